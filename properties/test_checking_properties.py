"""The runtime checks themselves: the switch, the decorators, and the constructors into the shape world."""

import os
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, strategies as st
from jaxtyping import Integer
from strategies import seeds

from verified_nn.core import (
    Floating,
    InvalidArgumentError,
    ShapeError,
    _checking,
    as_image,
    as_image_batch,
    as_labels,
    checked,
    checked_dataclass,
    is_checked,
)
from verified_nn.layers import Dense
from verified_nn.network import default_network, flatten, unflatten

Array = np.ndarray[Any, Any]
DEFAULT_NETWORK = default_network(np.random.default_rng(0))
ON, OFF = ("1", "true", "on", "yes", ""), ("0", "false", "off", "no")
# What an environment variable can hold: no NUL byte and no unpaired surrogate.
environment_text = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=6)
switch_values = st.one_of(st.sampled_from(ON + OFF), environment_text)


@given(switch_values, st.sampled_from(["", " ", "  "]), st.booleans())
def test_the_switch_accepts_exactly_the_documented_values(value: str, padding: str, upper: bool) -> None:
    """1/true/on/yes/empty turn checks on, 0/false/off/no off (any case, spaces ignored); all else is refused."""
    shown = padding + (value.upper() if upper else value) + padding
    saved = os.environ.get(_checking.ENVIRONMENT_VARIABLE)
    os.environ[_checking.ENVIRONMENT_VARIABLE] = shown
    try:
        normal = shown.strip().lower()
        if normal in ON:
            assert _checking._read_switch() is True
        elif normal in OFF:
            assert _checking._read_switch() is False
        else:
            with pytest.raises(InvalidArgumentError, match="VERIFIED_NN_RUNTIME_CHECKS must be one of"):
                _checking._read_switch()
    finally:
        if saved is None:
            del os.environ[_checking.ENVIRONMENT_VARIABLE]
        else:
            os.environ[_checking.ENVIRONMENT_VARIABLE] = saved


def _doubled(x: Floating[np.ndarray[Any, Any], " n"]) -> Floating[np.ndarray[Any, Any], " n"]:
    return x * 2


def _shortened(x: Floating[np.ndarray[Any, Any], " n"]) -> Floating[np.ndarray[Any, Any], " n"]:
    return x[:-1]


@given(st.integers(2, 50), st.integers(1, 3))
def test_checked_functions_check_arguments_and_the_return_value(size: int, ndim: int) -> None:
    """A checked function accepts matching shapes, refuses others by name, and checks what it returns."""
    doubled, shortened = checked(_doubled), checked(_shortened)
    assert is_checked(doubled) and not is_checked(_doubled)
    np.testing.assert_array_equal(doubled(np.ones(size)), np.full(size, 2.0))
    if ndim != 1:
        with pytest.raises(
            ShapeError, match=r"^_doubled: argument 'x' expected Floating\[ndarray, 'n'\], got float64\["
        ):
            doubled(np.ones((size,) * ndim))
    with pytest.raises(
        ShapeError, match=rf"^_shortened: return value expected Floating\[ndarray, 'n'\], got float64\[{size - 1}\]$"
    ):
        shortened(np.ones(size))


@given(st.booleans())
def test_the_decorators_return_their_argument_unchanged_when_checks_are_off(checks: bool) -> None:
    """With checks off, checked(f) is f and checked_dataclass(C) is C; with them on, both are wrapped."""
    import dataclasses

    saved = _checking.RUNTIME_CHECKS
    _checking.RUNTIME_CHECKS = checks  # type: ignore[misc]
    try:
        wrapped = checked(_doubled)
        record = checked_dataclass(dataclasses.make_dataclass("Record", [("x", int)]))
        assert (wrapped is not _doubled) is checks and is_checked(wrapped) is checks and is_checked(record) is checks
        if checks:
            with pytest.raises(ShapeError, match=r"^Record: argument 'x' expected int, got str 'no'$"):
                record(x="no")
        else:
            assert record(x="no").x == "no"
    finally:
        _checking.RUNTIME_CHECKS = saved  # type: ignore[misc]


@given(st.integers(1, 12), st.integers(1, 12), st.integers(1, 12))
def test_dataclass_fields_are_checked_when_built(rows: int, columns: int, bias: int) -> None:
    """Dense(weights (out, in), bias (out,)) builds only when the bias length equals out, and says why."""
    weights = np.zeros((rows, columns))
    if bias == rows:
        assert Dense(weights=weights, bias=np.zeros(bias)).shape == (rows, columns)
    else:
        with pytest.raises(
            ShapeError,
            match=rf"^Dense: argument 'bias' expected float64\[{rows}\] "
            rf"\(out={rows} from weights: float64\[{rows},{columns}\]\), got float64\[{bias}\]$",
        ):
            Dense(weights=weights, bias=np.zeros(bias))
    with pytest.raises(
        ShapeError, match=rf"^Dense: argument 'weights' expected float\[out, in\], got float64\[{rows}\]$"
    ):
        Dense(weights=np.zeros(rows), bias=np.zeros(rows))  # type: ignore[arg-type]
    with pytest.raises(
        ShapeError, match=rf"^Dense: weights must have at least one row and column, got float64\[0,{columns}\]$"
    ):
        Dense(weights=np.zeros((0, columns)), bias=np.zeros(0))


shapes = st.one_of(
    st.sampled_from([(784,), (101_770,), (101_769,), (783,), (785,)]),
    st.tuples(st.integers(1, 6), st.sampled_from([783, 784, 785, 100])),
    st.lists(st.integers(1, 30), min_size=1, max_size=3).map(tuple),
)
dtypes = st.sampled_from([np.float32, np.float64, np.int64, np.uint8])


@given(shapes, dtypes, seeds)
def test_constructors_accept_exactly_their_shape_and_keep_float_precision(
    shape: tuple[int, ...], dtype: Any, seed: int
) -> None:
    """as_image, as_image_batch and unflatten (like the default network) accept only their shape; the first two
    turn ints into float64, unflatten refuses them (they would change a float32 network into float64)."""
    values = (np.random.default_rng(seed).random(shape) * 9).astype(dtype)
    expected_dtype = dtype if dtype in (np.float32, np.float64) else np.float64

    def unflatten_default(vector: Array) -> Array:
        return np.asarray(flatten(unflatten(vector, like=DEFAULT_NETWORK)))

    for make, name, fits, text, takes_integers in (
        (as_image, "as_image", shape == (784,), r"\(784\)", True),
        (as_image_batch, "as_image_batch", len(shape) == 2 and shape[1] == 784, r"\(batch, 784\)", True),
        (unflatten_default, "unflatten", shape == (101_770,), r"\(101770\)", False),
    ):
        if not takes_integers and dtype not in (np.float32, np.float64):
            kind = np.dtype(dtype).name
            with pytest.raises(ShapeError, match=rf"^{name}: expected a float32 or float64 vector, got {kind}$"):
                make(values)
        elif fits:
            made = make(values)
            assert made.dtype == expected_dtype and made.shape == shape
            np.testing.assert_array_equal(made, values.astype(expected_dtype))
        else:
            with pytest.raises(ShapeError, match=rf"^{name}: expected shape {text}, got \({shape[0]},"):
                make(values)


@given(st.lists(st.integers(-3, 13), min_size=1, max_size=20), st.booleans())
def test_labels_must_be_integers_in_the_class_range(values: list[int], as_float: bool) -> None:
    """as_labels accepts integer arrays of values in [0, 10) only."""
    array = np.array(values, dtype=np.float64 if as_float else np.int64)
    if as_float:
        with pytest.raises(ShapeError, match=r"^as_labels: expected an integer array, got float64$"):
            as_labels(array)
    elif min(values) < 0 or max(values) >= 10:
        with pytest.raises(
            InvalidArgumentError, match=rf"labels must lie in \[0, 10\), got range \[{min(values)}, {max(values)}\]"
        ):
            as_labels(array)
    else:
        np.testing.assert_array_equal(as_labels(array), array)


@given(st.integers(1, 8), st.integers(1, 8))
def test_a_mismatch_message_names_the_dims_already_bound(size: int, extra: int) -> None:
    """The message gives the function, argument, annotation, what was given, and what bound the dims."""
    from verified_nn.core import cross_entropy

    logits, labels = np.zeros((size, 10)), np.zeros(size + extra, dtype=np.int64)
    with pytest.raises(ShapeError) as caught:
        cross_entropy(logits, labels)
    assert str(caught.value) == (
        f"cross_entropy: argument 'labels' expected Integer[ndarray, 'batch'], got int64[{size + extra}] "
        f"(batch={size}, classes=10 from logits: float64[{size},10])"
    )


def _count(values: Integer[np.ndarray[Any, Any], " n"]) -> int:
    return len(values)


@given(st.one_of(st.text(max_size=60), st.integers(), st.floats(allow_nan=False)))
@example("x" * 38)  # a repr of exactly 40 characters is shown whole
@example("x" * 39)  # one of 41 is cut
def test_non_array_values_are_described_by_type_and_a_short_repr(value: object) -> None:
    """A wrong non-array argument is shown as its type and repr, cut to 40 characters."""
    text = repr(value)
    shown = text if len(text) <= 40 else text[:37] + "..."
    with pytest.raises(ShapeError) as caught:
        checked(_count)(value)  # type: ignore[arg-type]
    assert (
        str(caught.value)
        == f"_count: argument 'values' expected Integer[ndarray, 'n'], got {type(value).__name__} {shown}"
    )


def test_the_switch_is_on_when_the_variable_is_unset() -> None:
    """With VERIFIED_NN_RUNTIME_CHECKS unset, checks are on."""
    saved = os.environ.pop(_checking.ENVIRONMENT_VARIABLE, None)
    try:
        assert _checking._read_switch() is True
    finally:
        if saved is not None:
            os.environ[_checking.ENVIRONMENT_VARIABLE] = saved


def test_checked_dataclass_refuses_a_plain_class_by_name() -> None:
    """checked_dataclass applies to dataclasses only, and says which class it was given."""
    with pytest.raises(TypeError, match=r"^Plain must be a dataclass$"):
        checked_dataclass(type("Plain", (), {}))
