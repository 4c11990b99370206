"""Softmax, log-softmax and log-sum-exp: the invariants a correct implementation satisfies."""

from typing import Any

import numpy as np
from hypothesis import given, strategies as st
from strategies import logits

from verified_nn.core import log_softmax, logsumexp, softmax

Array = np.ndarray[Any, Any]


def _tolerance(x: Array) -> float:
    return 1e-5 if x.dtype == np.float32 else 1e-12


@given(logits())
def test_softmax_rows_are_probability_distributions(z: Array) -> None:
    """Each row is finite, in [0, 1] and sums to 1, for logits up to 1e4 in size (no overflow)."""
    p = softmax(z)
    assert p.shape == z.shape and p.dtype == z.dtype
    assert np.isfinite(p).all() and (p >= 0).all() and (p <= 1).all()
    np.testing.assert_allclose(p.sum(axis=-1, dtype=np.float64), 1.0, atol=_tolerance(z) * z.shape[-1])


@given(logits(max_magnitude=100), st.floats(-100, 100))
def test_softmax_is_invariant_to_shifting_every_logit(z: Array, shift: float) -> None:
    """softmax(z + c) = softmax(z) for any constant c."""
    shifted = (z.astype(np.float64) + shift).astype(z.dtype)
    np.testing.assert_allclose(softmax(shifted), softmax(z), atol=1e-4 if z.dtype == np.float32 else 1e-9)


@given(logits(max_magnitude=1e4))
def test_softmax_preserves_the_order_of_logits(z: Array) -> None:
    """z_i >= z_j implies p_i >= p_j (ties allowed)."""
    p = softmax(z)
    first, second = z[..., :, None], z[..., None, :]
    assert (p[..., :, None] >= p[..., None, :])[first >= second].all()


@given(logits(max_magnitude=50))
def test_log_softmax_agrees_with_log_of_softmax(z: Array) -> None:
    """exp(log_softmax(z)) = softmax(z)."""
    np.testing.assert_allclose(np.exp(log_softmax(z)), softmax(z), rtol=1e-4, atol=_tolerance(z))


@given(logits())
def test_logsumexp_lies_between_the_max_and_the_max_plus_log_n(z: Array) -> None:
    """max(z) <= logsumexp(z) <= max(z) + log(n)."""
    value = logsumexp(z).astype(np.float64)
    peak = z.max(axis=-1).astype(np.float64)
    slack = 1e-3 if z.dtype == np.float32 else 1e-9
    assert (value >= peak - slack * (1 + abs(peak))).all()
    assert (value <= peak + np.log(z.shape[-1]) + slack * (1 + abs(peak))).all()
