"""Run time and mypy agree on the library's jaxtyping annotations: one annotation, two checkers.

Each case below is one call of a public function. The same file is run (the wrong calls must raise the
library's ShapeError, from beartype and jaxtyping's checks, and the right ones must run) and type-checked
with the plugin (each wrong call must be an error on its own line, the right ones clean). A case on which
the two checkers disagree fails, whichever of them is wrong.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from verified_nn.core import ShapeError

# This module runs mypy over the library: seconds on a quiet machine, minutes on a loaded one.
pytestmark = pytest.mark.timeout(600)

ROOT = Path(__file__).parents[2]
HEADER = """\
import numpy as np

from verified_nn.core import as_image, as_image_batch, as_labels, cross_entropy, cross_entropy_gradient, relu, softmax
from verified_nn.exact import float_classes
from verified_nn.network import default_network

rng = np.random.default_rng(0)
network = default_network(rng)
"""
# (name, the call refused by both checkers, the call accepted by both)
CASES = [
    (
        "cross_entropy_batches_differ",
        "cross_entropy(rng.random((64, 10)), rng.integers(0, 10, 32))",
        "cross_entropy(rng.random((64, 10)), rng.integers(0, 10, 64))",
    ),
    (
        "cross_entropy_gradient_batches_differ",
        "cross_entropy_gradient(rng.random((8, 10)), rng.integers(0, 10, 4))",
        "cross_entropy_gradient(rng.random((8, 10)), rng.integers(0, 10, 8))",
    ),
    ("relu_of_integers", "relu(np.zeros((3, 4), dtype=np.int64))", "relu(np.zeros((3, 4)))"),
    ("softmax_of_integers", "softmax(np.ones((2, 5), dtype=np.int64))", "softmax(np.ones((2, 5)))"),
    ("as_image_of_a_batch", "as_image(rng.random((4, 784)))", "as_image(rng.random(784))"),
    ("as_image_batch_of_squares", "as_image_batch(rng.random((16, 28, 28)))", "as_image_batch(rng.random((16, 784)))"),
    ("as_labels_of_floats", "as_labels(rng.random(16))", "as_labels(rng.integers(0, 10, 16))"),
    ("float_classes_of_one_row", "float_classes(rng.random(10))", "float_classes(rng.random((3, 10)))"),
    ("logits_of_another_width", "network.logits(rng.random((64, 100)))", "network.logits(rng.random((64, 784)))"),
]


def _program() -> tuple[str, dict[int, str]]:
    """One module holding every call in a function of its own, and the case each call's line belongs to."""
    lines = HEADER.splitlines()
    where: dict[int, str] = {}
    for name, wrong, right in CASES:
        for kind, call in (("wrong", wrong), ("right", right)):
            lines += ["", "", f"def {kind}_{name}() -> None:", f"    {call}"]
            where[len(lines)] = f"{kind}_{name}"
    return "\n".join(lines) + "\n", where


@pytest.fixture(scope="module")
def static_errors(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """mypy's errors with the plugin (the project's strict settings), by case."""
    directory = tmp_path_factory.mktemp("agree")
    code, where = _program()
    (directory / "calls.py").write_text(code)
    config = directory / "mypy.ini"
    config.write_text(f"[mypy]\nstrict = True\nmypy_path = {ROOT}\nplugins = verified_nn.mypy_plugin\n")
    command = [sys.executable, "-m", "mypy", "--config-file", str(config), "--cache-dir", str(directory / "cache")]
    result = subprocess.run([*command, "calls.py"], cwd=directory, capture_output=True, text=True, check=False)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    errors: dict[str, list[str]] = {}
    for line in result.stdout.splitlines():
        found = re.match(r"calls\.py:(\d+): error: (.*)", line)
        if found:
            case = where.get(int(found[1]), f"line {found[1]} outside the cases")
            errors.setdefault(case, []).append(found[2])
    return errors


@pytest.fixture(scope="module")
def calls() -> dict[str, object]:
    """The module run: its functions, one per call."""
    namespace: dict[str, object] = {}
    exec(compile(_program()[0], "calls.py", "exec"), namespace)
    return namespace


def test_mypy_reports_nothing_outside_the_cases(static_errors: dict[str, list[str]]) -> None:
    assert {case for case in static_errors if case.startswith("line ")} == set()


@pytest.mark.parametrize(("name", "wrong", "right"), CASES, ids=[case[0] for case in CASES])
def test_both_checkers_refuse_the_wrong_call(
    name: str, wrong: str, right: str, static_errors: dict[str, list[str]], calls: dict[str, object]
) -> None:
    function = calls[f"wrong_{name}"]
    assert callable(function)
    with pytest.raises(ShapeError):
        function()
    assert static_errors.get(f"wrong_{name}"), f"mypy with the plugin accepts {wrong}"


@pytest.mark.parametrize(("name", "wrong", "right"), CASES, ids=[case[0] for case in CASES])
def test_both_checkers_accept_the_right_call(
    name: str, wrong: str, right: str, static_errors: dict[str, list[str]], calls: dict[str, object]
) -> None:
    function = calls[f"right_{name}"]
    assert callable(function)
    function()
    assert static_errors.get(f"right_{name}", []) == []
