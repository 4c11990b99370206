"""Cross-entropy and its gradient: the statements behind the Lean cross_entropy_softmax_gradient_correct."""

from typing import Any

import numpy as np
from hypothesis import given, strategies as st
from strategies import logits_and_labels

from verified_nn.core import cross_entropy, cross_entropy_gradient, log_softmax, softmax
from verified_nn.verification import check_gradient

Array = np.ndarray[Any, Any]


@given(logits_and_labels())
def test_cross_entropy_is_non_negative_and_finite(case: tuple[Array, Array]) -> None:
    """Cross-entropy of any finite logits is finite and >= 0."""
    z, y = case
    value = cross_entropy(z, y)
    assert np.isfinite(value) and value >= 0


@given(st.integers(1, 16), st.integers(1, 12), st.floats(-50, 50))
def test_cross_entropy_equals_log_classes_at_uniform_logits(batch: int, classes: int, level: float) -> None:
    """With all logits equal, the loss is exactly log(classes), whatever the labels."""
    z = np.full((batch, classes), level)
    y = np.arange(batch) % classes
    assert abs(cross_entropy(z, y) - np.log(classes)) < 1e-12


@given(logits_and_labels())
def test_gradient_is_softmax_minus_onehot_over_batch(case: tuple[Array, Array]) -> None:
    """dL/dz = (softmax(z) - onehot(y)) / B, computed independently here."""
    z, y = case
    expected = softmax(z.astype(np.float64))
    expected[np.arange(len(y)), y] -= 1
    expected /= len(y)
    tolerance = 1e-6 if z.dtype == np.float32 else 1e-14
    np.testing.assert_allclose(cross_entropy_gradient(z, y), expected, atol=tolerance)


@given(logits_and_labels())
def test_gradient_rows_sum_to_zero_and_entries_are_bounded(case: tuple[Array, Array]) -> None:
    """Each row of the gradient sums to 0, and every entry lies in [-1/B, 1/B]."""
    z, y = case
    g = cross_entropy_gradient(z, y).astype(np.float64)
    batch = len(y)
    tolerance = 1e-6 if z.dtype == np.float32 else 1e-14
    np.testing.assert_allclose(g.sum(axis=1), 0, atol=tolerance)
    assert (np.abs(g) <= 1 / batch + tolerance).all()
    assert (g[np.arange(batch), y] <= tolerance).all()  # the true class is pushed up


@given(logits_and_labels(max_magnitude=5, min_classes=2))
def test_gradient_agrees_with_finite_differences(case: tuple[Array, Array]) -> None:
    """The analytic gradient of the loss matches fourth-order central differences to 1e-6."""
    z, y = case
    z64 = z.astype(np.float64)
    report = check_gradient(lambda v: cross_entropy(v, y), cross_entropy_gradient(z64, y), z64)
    assert report.passed, report.summary()


@given(logits_and_labels(max_magnitude=1e3))
def test_loss_equals_mean_negative_log_softmax_of_true_class(case: tuple[Array, Array]) -> None:
    """The loss equals -mean(log_softmax(z)[y]), even for logits of magnitude 1e3 (no overflow)."""
    z, y = case
    expected = -log_softmax(z.astype(np.float64))[np.arange(len(y)), y].mean()
    tolerance = 1e-4 * (1 + abs(expected)) if z.dtype == np.float32 else 1e-10 * (1 + abs(expected))
    assert abs(cross_entropy(z, y) - expected) <= tolerance
