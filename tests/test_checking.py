"""The checking decorator itself: return values, dims shared with the return, and its error text."""

from typing import Any

import numpy as np
import pytest

from verified_nn.core import Floating, ShapeError, checked, checked_dataclass, is_checked
from verified_nn.core._checking import describe


@checked
def _returns_wrong_type(x: Floating[np.ndarray[Any, Any], " n"]) -> float:
    return "not a float"  # type: ignore[return-value]


@checked
def _returns_wrong_size(x: Floating[np.ndarray[Any, Any], " n"]) -> Floating[np.ndarray[Any, Any], " n"]:
    return x[:-1]


@checked
def _same_size(x: Floating[np.ndarray[Any, Any], " n"]) -> Floating[np.ndarray[Any, Any], " n"]:
    return x * 2


def test_a_return_value_of_the_wrong_type_is_rejected() -> None:
    with pytest.raises(ShapeError, match=r"_returns_wrong_type: return value expected float, got str"):
        _returns_wrong_type(np.zeros(3))


def test_a_returned_array_must_match_dims_bound_by_the_arguments() -> None:
    assert _same_size(np.ones(3)).shape == (3,)
    with pytest.raises(
        ShapeError,
        match=r"_returns_wrong_size: return value expected Floating\[ndarray, 'n'\], got float64\[2\]",
    ):
        _returns_wrong_size(np.zeros(3))


def test_each_call_binds_its_dims_afresh() -> None:
    _same_size(np.ones(3))
    assert _same_size(np.ones(5)).shape == (5,)


def test_checked_functions_are_marked() -> None:
    assert is_checked(_same_size) and not is_checked(describe)


def test_checked_dataclass_refuses_a_plain_class() -> None:
    with pytest.raises(TypeError, match="must be a dataclass"):
        checked_dataclass(type("Plain", (), {}))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (np.zeros((2, 3), np.float32), "float32[2,3]"),
        (1.5, "float 1.5"),
        ("x" * 50, "str '" + "x" * 36 + "..."),
    ],
)
def test_describe_is_short(value: object, text: str) -> None:
    assert describe(value) == text
