"""Certified training's bounds and schedule: the worst-case margins bound the network at random points and at
every corner of the clipped ball, the robust loss bounds the loss at any point of the ball, the gradient of
the certified loss agrees with finite differences, and the ramp only moves one way."""

import itertools
from typing import Any

import numpy as np
from hypothesis import given, strategies as st

from verified_nn.core import cross_entropy_and_gradient
from verified_nn.network import Network, mlp
from verified_nn.robust import Ramp, certified_loss, check_certified_gradients, input_box, worst_case_logits

Array = np.ndarray[Any, Any]

WIDTHS = ((3, 5, 3), (4, 6, 4, 3), (2, 4, 4, 3, 2), (3, 2))
ACTIVATIONS = {"ibp": ("relu", "leaky_relu(0.1)", "tanh"), "crown-ibp": ("relu", "leaky_relu(0.1)")}

seeds = st.integers(0, 2**32 - 1)
radii = st.sampled_from([0.0, 0.01, 0.05, 0.1, 0.3])
methods = st.sampled_from(sorted(ACTIVATIONS))


@st.composite
def problems(draw: st.DrawFn) -> tuple[Network[Any, Any], Array, Array, float, str, float]:
    """A tiny network, a batch of images in [0, 1] (some pixels on the edges), labels, eps, method, beta."""
    method = draw(methods)
    rng = np.random.default_rng(draw(seeds))
    network = mlp(
        draw(st.sampled_from(WIDTHS)),
        rng=rng,
        activation=draw(st.sampled_from(ACTIVATIONS[method])),
        dtype=np.float64,
    )
    inputs, classes = network.layers[0].weights.shape[1], network.layers[-1].weights.shape[0]  # type: ignore[attr-defined]
    images = rng.random((5, inputs))
    images[rng.random(images.shape) < 0.25] = draw(st.sampled_from([0.0, 1.0]))
    labels = rng.integers(0, classes, size=5)
    return network, images, labels, draw(radii), method, draw(st.sampled_from([0.0, 0.5, 1.0]))


def _margins(network: Network[Any, Any], points: Array, label: int) -> Array:
    """``z_j - z_label`` at each point, ``(points, classes)``."""
    logits: Array = network.logits(points)
    return logits - logits[:, [label]]


@given(problems(), seeds)
def test_the_worst_case_margins_bound_the_margins_at_random_points_and_corners(problem: Any, seed: int) -> None:
    network, images, labels, eps, method, beta = problem
    worst = worst_case_logits(network, images, labels, eps=eps, method=method, beta=beta)
    low, high = np.clip(images - eps, 0, 1), np.clip(images + eps, 0, 1)
    rng = np.random.default_rng(seed)
    for b, label in enumerate(labels):
        corners = np.array(list(itertools.product(*zip(low[b], high[b], strict=True))))  # every corner of the box
        inside = low[b] + rng.random((50, images.shape[1])) * (high[b] - low[b])
        reached = _margins(network, np.concatenate([corners, inside, images[b : b + 1]]), int(label)).max(axis=0)
        assert (worst[b] >= reached - 1e-9).all(), (worst[b], reached)
        assert worst[b, label] == 0


@given(problems(), seeds)
def test_the_robust_loss_bounds_the_loss_at_any_point_of_the_ball(problem: Any, seed: int) -> None:
    network, images, labels, eps, method, beta = problem
    robust = certified_loss(network, images, labels, eps=eps, kappa=0.0, method=method, beta=beta).total
    mu, r = input_box(images, eps)
    rng = np.random.default_rng(seed)
    for _ in range(20):
        corner = rng.random(images.shape) < 0.5  # half the draws at corners, the rest inside
        sign = rng.choice([-1.0, 1.0], size=images.shape)
        points = mu + np.where(corner, sign, rng.uniform(-1, 1, images.shape)) * r
        sampled = cross_entropy_and_gradient(network.logits(points), labels)[0]
        assert robust >= sampled - 1e-9


@given(problems(), seeds)
def test_the_certified_loss_gradient_agrees_with_finite_differences(problem: Any, seed: int) -> None:
    network, images, labels, eps, method, beta = problem
    kappa = float(np.random.default_rng(seed).choice([0.0, 0.3, 1.0]))
    report = check_certified_gradients(
        network,
        images,
        labels,
        eps=max(eps, 0.01),
        kappa=kappa,
        method=method,
        beta=beta,
        rng=np.random.default_rng(seed),
    )
    assert report.passed, report.summary()


ramps = st.builds(
    Ramp,
    eps=st.floats(1e-3, 1.0),
    warmup=st.floats(0, 5),
    ramp=st.floats(0, 10),
    kappa=st.floats(0, 1),
    beta=st.floats(0, 1),
)


@given(ramps, st.lists(st.floats(0, 20), min_size=2, max_size=20))
def test_the_ramp_is_monotone_eps_up_kappa_and_beta_down(ramp: Ramp, progress: list[float]) -> None:
    values = [ramp.at(point) for point in sorted(progress)]
    eps, kappa, beta = (list(column) for column in zip(*values, strict=True))
    assert eps == sorted(eps) and kappa == sorted(kappa, reverse=True) and beta == sorted(beta, reverse=True)
    assert all(0 <= value <= ramp.eps for value in eps)
    assert all(ramp.kappa <= value <= 1 for value in kappa) and all(ramp.beta <= value <= 1 for value in beta)
    assert ramp.at(0.0) == (0.0, 1.0, 1.0) or ramp.warmup == 0
    assert ramp.at(ramp.warmup + ramp.ramp) == (ramp.eps, ramp.kappa, ramp.beta) or ramp.ramp == 0
