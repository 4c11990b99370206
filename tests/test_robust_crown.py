"""CROWN-IBP margins: the relaxation bounds the activation, the margins bound the network, the backward is
the gradient (through the chords as well as the weights), and layers it cannot relax are refused."""

from typing import Any

import numpy as np
import pytest

from verified_nn.core import InvalidArgumentError
from verified_nn.network import mlp
from verified_nn.robust import (
    check_certified_gradients,
    crown_margins,
    input_box,
    interval_forward,
    relaxation,
    specification,
)
from verified_nn.robust._crown import _box_gradient
from verified_nn.verification import check_gradient

Array = np.ndarray[Any, Any]


def test_the_specification_holds_one_row_per_class_and_zero_for_the_label() -> None:
    spec = specification(np.array([2, 0]), 3, np.float64)
    np.testing.assert_array_equal(spec[0], [[1, 0, -1], [0, 1, -1], [0, 0, 0]])
    np.testing.assert_array_equal(spec[1], [[0, 0, 0], [-1, 1, 0], [-1, 0, 1]])


@pytest.mark.parametrize("slope", [0.0, 0.01, 0.3])
def test_the_relaxation_lies_below_and_above_the_activation_on_each_interval(
    slope: float, rng: np.random.Generator
) -> None:
    low = rng.standard_normal((1, 200)) * 2
    high = low + rng.random((1, 200)) * 3
    lower, upper, intercept, unstable = relaxation(slope, low, high)
    z = low + (high - low) * np.linspace(0, 1, 101)[:, np.newaxis]  # (101, 200): points of each interval
    act = np.where(z > 0, z, slope * z)
    assert (lower * z <= act + 1e-12).all() and (act <= upper * z + intercept + 1e-12).all()
    stable = ~unstable[0]
    assert stable.any() and unstable.any()
    np.testing.assert_array_equal(intercept[0, stable], 0)
    np.testing.assert_array_equal(lower[0, stable], upper[0, stable])  # exact where the sign is known


@pytest.mark.parametrize("activation", ["relu", "leaky_relu(0.1)"])
def test_crown_margins_bound_the_margins_at_random_points_of_the_ball(
    activation: str, rng: np.random.Generator
) -> None:
    network = mlp((8, 10, 6, 4), rng=rng, activation=activation, dtype=np.float64)
    images, labels = rng.random((5, 8)), rng.integers(0, 4, size=5)
    mu, r = input_box(images, 0.15)
    _, _, caches = interval_forward(network.layers[:-1], mu, r)
    worst, _ = crown_margins(network.layers, caches, mu, r, labels)
    for _ in range(200):
        points = np.clip(images + rng.uniform(-0.15, 0.15, images.shape), 0, 1)
        logits = network.logits(points)
        margins = logits - logits[np.arange(5), labels][:, np.newaxis]
        assert (margins <= worst + 1e-12).all()
    np.testing.assert_array_equal(worst[np.arange(5), labels], 0)


def test_the_chord_gradient_with_respect_to_the_interval_ends(rng: np.random.Generator) -> None:
    """``_box_gradient`` is the derivative of ``<a, s> + <c, t>`` w.r.t. the box, with ``l = mu - r``, ``u = mu + r``."""
    slope = 0.05
    mu, r = rng.standard_normal((1, 30)) * 0.3, rng.random((1, 30)) + 0.05
    a, c = rng.standard_normal((1, 30)), rng.standard_normal((1, 30))

    def value(mu: Array, r: Array) -> float:
        _, upper, intercept, _ = relaxation(slope, mu - r, mu + r)
        return float(np.vdot(a, upper) + np.vdot(c, intercept))

    _, upper, _, unstable = relaxation(slope, mu - r, mu + r)
    d_mu, d_r = _box_gradient(slope, mu - r, mu + r, unstable, upper, a, c)
    assert check_gradient(lambda m: value(m, r), d_mu, mu).passed
    assert check_gradient(lambda x: value(mu, x), d_r, r).passed


@pytest.mark.parametrize("activation", ["relu", "leaky_relu(0.2)"])
@pytest.mark.parametrize("beta", [1.0, 0.4])
def test_the_crown_ibp_loss_gradient_agrees_with_finite_differences(
    activation: str, beta: float, rng: np.random.Generator
) -> None:
    network = mlp((6, 9, 7, 5), rng=rng, activation=activation, dtype=np.float64)
    images, labels = rng.random((4, 6)), rng.integers(0, 5, size=4)
    report = check_certified_gradients(
        network, images, labels, eps=0.2, kappa=0.0, method="crown-ibp", beta=beta, rng=rng
    )
    assert report.passed, report.summary()


def test_crown_ibp_refuses_an_activation_it_cannot_relax(rng: np.random.Generator) -> None:
    network = mlp((4, 3, 2), rng=rng, activation="tanh", dtype=np.float64)
    mu, r = input_box(rng.random((1, 4)), 0.1)
    _, _, caches = interval_forward(network.layers[:-1], mu, r)
    with pytest.raises(
        InvalidArgumentError,
        match=r"^crown-ibp handles dense layers, ReLU and leaky ReLU; layer 1 is Tanh\(\) \(use the ibp method for it\)$",
    ):
        crown_margins(network.layers, caches, mu, r, np.array([0]))
