"""Deciding the class from float logits and bounds: strict margins, outward rounding, ties and NaN."""

import numpy as np
import pytest

from verified_nn.core import ShapeError
from verified_nn.exact import decided_by_bound, float_classes


def test_a_margin_larger_than_both_bounds_decides() -> None:
    logits = np.array([[1.0, 2.0, 0.5]], dtype=np.float32)
    assert decided_by_bound(logits, np.full((1, 3), 0.49)).tolist() == [True]


def test_a_margin_equal_to_the_sum_of_the_bounds_does_not_decide() -> None:
    logits = np.array([[1.0, 2.0, 0.5]], dtype=np.float32)
    assert decided_by_bound(logits, np.full((1, 3), 0.5)).tolist() == [False]


def test_only_the_two_classes_involved_count() -> None:
    logits = np.array([[1.0, 2.0, -5.0]])
    bounds = np.array([[0.1, 0.1, 6.0]])  # the third class's bound is large, but so is its gap
    assert decided_by_bound(logits, bounds).tolist() == [True]
    bounds[0, 2] = 7.0
    assert decided_by_bound(logits, bounds).tolist() == [False]


def test_a_margin_within_one_rounding_step_is_left_to_the_exact_pass() -> None:
    # Really 1 - 2^-54 > 1 - 2^-52, but 1 - 2^-54 rounds to 1 in float64; after the outward steps the two
    # sides meet at 1 - 2^-53, so the bound does not decide (the exact pass will).
    logits = np.array([[1.0, 0.0]])
    assert decided_by_bound(logits, np.array([[2.0**-54, 1 - 2.0**-52]])).tolist() == [False]
    assert decided_by_bound(logits, np.array([[2.0**-54, 1 - 2.0**-50]])).tolist() == [True]


def test_a_float_tie_at_the_top_is_never_decided_and_argmax_takes_the_first() -> None:
    logits = np.array([[3.0, 3.0, 1.0]], dtype=np.float32)
    assert float_classes(logits).tolist() == [0]
    assert decided_by_bound(logits, np.zeros((1, 3))).tolist() == [False]


def test_nan_and_infinite_bounds_decide_nothing() -> None:
    logits = np.array([[np.nan, 1.0], [2.0, 1.0], [np.inf, 1.0]])
    bounds = np.array([[0.0, 0.0], [np.inf, 0.0], [np.nan, 0.0]])
    assert decided_by_bound(logits, bounds).tolist() == [False, False, False]


def test_one_class_is_always_decided() -> None:
    assert decided_by_bound(np.array([[0.3]]), np.array([[1.0]])).tolist() == [True]


def test_bounds_must_match_the_logits_and_be_float64() -> None:
    logits = np.zeros((2, 3), np.float32)
    with pytest.raises(ShapeError, match=r"decided_by_bound: argument 'bounds' expected .*got float64\[2,4\]"):
        decided_by_bound(logits, np.zeros((2, 4)))  # type: ignore[shape]  # refused statically too
    with pytest.raises(ShapeError, match=r"argument 'bounds' expected Float64.*got float32\[2,3\]"):
        decided_by_bound(logits, np.zeros((2, 3), np.float32))
