"""SGD, momentum and clipping do what their formulas say, and never modify their arguments."""

from typing import Any

import numpy as np
from hypothesis import given, strategies as st
from strategies import networks, seeds

from verified_nn.network import MLP, flatten, global_norm, unflatten
from verified_nn.optimizer import SGD, Momentum, clip_by_global_norm

Array = np.ndarray[Any, Any]
rates = st.floats(1e-4, 1.0)


def _gradients(seed: int, scale: float = 1.0) -> MLP:
    return unflatten(np.random.default_rng(seed).standard_normal(101_770) * scale)


@given(networks(dtype=np.float64), seeds, rates)
def test_sgd_subtracts_the_learning_rate_times_the_gradient(mlp: MLP, seed: int, rate: float) -> None:
    """SGD: p' = p - lr g, and p and g are left as they were."""
    grads = _gradients(seed)
    before_p, before_g = flatten(mlp).copy(), flatten(grads).copy()
    new, _ = SGD(learning_rate=rate).update(grads, SGD().init(mlp), mlp)
    np.testing.assert_allclose(flatten(new), before_p - rate * before_g, rtol=1e-13, atol=1e-15)
    np.testing.assert_array_equal(flatten(mlp), before_p)
    np.testing.assert_array_equal(flatten(grads), before_g)


@given(networks(dtype=np.float64), seeds, rates, st.floats(0, 0.99), st.integers(1, 4))
def test_momentum_follows_v_mu_v_plus_g_and_p_minus_lr_v(
    mlp: MLP, seed: int, rate: float, mu: float, steps: int
) -> None:
    """Momentum over several steps: v' = mu v + g, p' = p - lr v', recomputed by hand here."""
    optimizer = Momentum(learning_rate=rate, momentum=mu)
    state = optimizer.init(mlp)
    params, velocity, expected = mlp, np.zeros(101_770), flatten(mlp).copy()
    for step in range(steps):
        grads = _gradients(seed + step)
        params, state = optimizer.update(grads, state, params)
        velocity = mu * velocity + flatten(grads)
        expected = expected - rate * velocity
    np.testing.assert_allclose(flatten(state.velocity), velocity, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(flatten(params), expected, rtol=1e-12, atol=1e-12)


@given(seeds, st.floats(1e-3, 1e3), st.floats(1e-3, 1e3))
def test_clipping_bounds_the_norm_and_keeps_the_direction(seed: int, scale: float, max_norm: float) -> None:
    """After clipping the global norm is min(norm, max_norm) and the direction is unchanged."""
    grads = _gradients(seed, scale)
    norm = global_norm(grads)
    clipped, reported = clip_by_global_norm(grads, max_norm=max_norm)
    assert reported == norm
    assert abs(global_norm(clipped) - min(norm, max_norm)) <= 1e-10 * max(norm, max_norm)
    cosine = np.vdot(flatten(clipped), flatten(grads)) / (global_norm(clipped) * norm)
    assert abs(cosine - 1) < 1e-12
