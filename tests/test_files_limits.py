"""The ceilings: defaults, the variables that raise them, their one-line refusals, and the workers ceiling."""

import pytest

from verified_nn.core import InvalidArgumentError
from verified_nn.files import LAYERS, WORKERS_VARIABLE, Ceiling, check_workers, usable_cores


def test_a_ceiling_is_its_default_or_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    ceiling = Ceiling("VERIFIED_NN_TEST_CEILING", 10, "layers")
    monkeypatch.delenv(ceiling.variable, raising=False)
    assert ceiling.value() == 10 and ceiling.over(10, "x has") is None
    assert ceiling.over(11, "m.safetensors: the architecture has") == (
        "m.safetensors: the architecture has 11 layers, over the limit of 10 layers "
        "(set VERIFIED_NN_TEST_CEILING to raise it)"
    )
    assert ceiling.over(10**300, "x has") == (  # a count of 301 digits is shown in three
        "x has 1e+300 layers, over the limit of 10 layers (set VERIFIED_NN_TEST_CEILING to raise it)"
    )
    monkeypatch.setenv(ceiling.variable, " 20 ")
    assert ceiling.value() == 20 and ceiling.over(11, "x has") is None
    for bad in ("0", "-1", "1e3", "lots", "\uff11"):
        monkeypatch.setenv(ceiling.variable, bad)
        with pytest.raises(
            InvalidArgumentError, match=r"^VERIFIED_NN_TEST_CEILING must be a positive whole number of layers"
        ):
            ceiling.value()


def test_the_documented_defaults() -> None:
    assert (LAYERS.variable, LAYERS.default) == ("VERIFIED_NN_MAX_LAYERS", 1_000)


def test_workers_are_at_most_the_usable_cores_unless_the_variable_allows_more(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(WORKERS_VARIABLE, raising=False)
    cores = usable_cores()
    assert check_workers(cores, option="--jobs") == cores
    with pytest.raises(
        InvalidArgumentError,
        match=rf"^--jobs {cores + 1:,} is more than the {cores} cores this process may use \(set VERIFIED_NN_MAX_WORKERS to allow more\)$",
    ):
        check_workers(cores + 1, option="--jobs")
    with pytest.raises(InvalidArgumentError, match=r"^--threads 1,000,000 is more than"):
        check_workers(1_000_000, option="--threads")
    for bad in (0, -3, True, 2.0):
        with pytest.raises(InvalidArgumentError, match=r"^--jobs must be >= 1"):
            check_workers(bad, option="--jobs")  # type: ignore[arg-type]
    monkeypatch.setenv(WORKERS_VARIABLE, str(cores + 5))
    assert check_workers(cores + 5, option="--jobs") == cores + 5
    with pytest.raises(InvalidArgumentError, match=rf"is more than VERIFIED_NN_MAX_WORKERS={cores + 5}"):
        check_workers(cores + 6, option="--jobs")
