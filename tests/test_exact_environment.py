"""The probe of round-to-nearest passes here and rejects directed rounding and denormals-are-zero."""

from typing import Any

import numpy as np
import pytest

from verified_nn.exact import FloatCheckError, probe_float_environment

Array = np.ndarray[Any, Any]


def _toward_zero(exact: Array, dtype: Any) -> Array:
    # Round float64 results of exact (or nearly exact) float32 operations toward zero.
    rounded = exact.astype(dtype)
    too_far = np.abs(rounded.astype(np.float64)) > np.abs(exact)
    return np.where(too_far, np.nextafter(rounded, dtype(0)), rounded)


def _truncating_matmul(a: Array, b: Array) -> Array:
    return _toward_zero(a.astype(np.float64) @ b.astype(np.float64), np.float32)


def _daz_matmul(a: Array, b: Array) -> Array:
    flushed = np.where(np.abs(a) < np.finfo(a.dtype).tiny, 0, a).astype(a.dtype)
    return flushed @ b


def _upward_add(a: Array, b: Array) -> Array:
    exact = a.astype(np.float64) + b.astype(np.float64)
    rounded = exact.astype(np.float32)
    return np.where(rounded.astype(np.float64) < exact, np.nextafter(rounded, np.float32(np.inf)), rounded)


def _ties_away_add(a: Array, b: Array) -> Array:
    exact = a.astype(np.float64) + b.astype(np.float64)
    rounded = exact.astype(np.float32)
    up = np.nextafter(rounded, np.float32(np.inf))
    halfway = (up.astype(np.float64) - exact) == (exact - rounded.astype(np.float64))
    return np.where(halfway & (exact > 0), up, rounded)


def _upward_multiply(a: Array, b: Array) -> Array:
    exact = a.astype(np.float64) * b.astype(np.float64)
    rounded = exact.astype(np.float32)
    return np.where(rounded.astype(np.float64) < exact, np.nextafter(rounded, np.float32(np.inf)), rounded)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_this_machine_rounds_to_nearest(dtype: Any) -> None:
    probe_float_environment(dtype)


@pytest.mark.parametrize(
    ("operations", "message"),
    [
        ({"matmul": _truncating_matmul}, "float32 matrix product shows rounding toward zero or downward"),
        ({"matmul": _daz_matmul}, r"float32 matrix product shows subnormal inputs read as zero \(DAZ\)"),
        ({"add": _upward_add}, "float32 addition shows rounding toward zero or upward"),
        ({"add": _ties_away_add}, "float32 addition shows a tie not rounded to even"),
        ({"multiply": _upward_multiply}, "float32 multiplication does not round to nearest"),
    ],
)
def test_the_probe_rejects_other_rounding(operations: dict[str, Any], message: str) -> None:
    with pytest.raises(FloatCheckError, match=message):
        probe_float_environment(np.float32, **operations)


def test_the_probe_refuses_other_dtypes() -> None:
    with pytest.raises(FloatCheckError, match="float32 or float64, got float16"):
        probe_float_environment(np.float16)
