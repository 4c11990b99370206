"""The Normalize rule: its boxes hold the real and the float32 values, its linear bounds are exact up to rounding."""

from typing import Any

import numpy as np
import pytest

from verified_nn.bounds import Box, Rounding, interval_bounds, linear_bounds, spec_bounds
from verified_nn.layers import Dense, Normalize, ReLU
from verified_nn.network import Network

SHIFT = (0.5, -0.25, 0.125)
SCALE = (0.3, -0.7, 2.0)  # a negative scale swaps the ends


def _network() -> Network[Any, Any]:
    weights = np.array([[1.0, -2.0, 0.5], [0.25, 1.0, -1.0]], dtype=np.float32)
    return Network((Normalize((3,), SHIFT, SCALE), Dense(weights=weights, bias=np.zeros(2, np.float32)), ReLU()))


@pytest.mark.parametrize("rounding", [Rounding.sound(deployed=np.float32), Rounding.sound(deployed=None)])
def test_the_interval_holds_every_value_and_is_the_exact_image_up_to_rounding(rounding: Rounding) -> None:
    network = _network()
    lower, upper = np.array([-1.0, 0.0, 2.0]), np.array([1.0, 0.5, 3.0])
    nodes = interval_bounds(network, Box(lower[None], upper[None]), rounding=rounding)
    box = nodes.boxes[1]
    rng = np.random.default_rng(0)
    x = np.vstack([lower + rng.random((200, 3)) * (upper - lower), lower, upper]).astype(np.float32)
    deployed = network.layers[0].forward(x)[0]  # float32, two roundings per value
    real = (x.astype(np.float64) - np.array(SHIFT)) / np.array(SCALE)
    for values in (deployed, real):
        assert np.all(values >= box.lower[0]) and np.all(values <= box.upper[0])
    exact_low = np.minimum((lower - SHIFT) / SCALE, (upper - SHIFT) / SCALE)
    exact_high = np.maximum((lower - SHIFT) / SCALE, (upper - SHIFT) / SCALE)
    assert np.allclose(box.lower[0], exact_low, rtol=1e-6) and np.allclose(box.upper[0], exact_high, rtol=1e-6)


def test_linear_bounds_through_the_layer_are_the_exact_minimum_up_to_rounding() -> None:
    affine: Network[Any, Any] = Network(
        (Normalize((3,), SHIFT, SCALE), Dense(weights=np.eye(3, dtype=np.float64), bias=np.zeros(3)))
    )
    lower, upper = np.array([-1.0, 0.0, 2.0]), np.array([1.0, 0.5, 3.0])
    nodes = linear_bounds(affine, Box(lower[None], upper[None]), rounding=Rounding.sound(deployed=None))
    spec = np.array([[1.0, 2.0, -3.0], [-1.0, 0.0, 1.0]])
    found = spec_bounds(affine, nodes, spec).lower[0]
    coefficients = spec / np.array(SCALE)  # row . (x - s) / c, minimised over the box exactly
    exact = np.minimum(coefficients * lower, coefficients * upper).sum(axis=1) - coefficients @ np.array(SHIFT)
    assert np.all(found <= exact) and np.allclose(found, exact, atol=1e-12)


def test_the_exact_program_decides_a_threshold_on_either_side_of_the_minimum() -> None:
    from verified_nn.bounds._fallback import solve_domain

    affine: Network[Any, Any] = Network(
        (Normalize((3,), SHIFT, SCALE), Dense(weights=np.eye(3, dtype=np.float32), bias=np.zeros(3, np.float32)))
    )
    lower, upper = np.array([-1.0, 0.0, 2.0]), np.array([1.0, 0.5, 3.0])
    nodes = linear_bounds(affine, Box(lower[None], upper[None]), rounding=Rounding.sound(deployed=np.float32))
    row = np.array([1.0, 2.0, -3.0])
    coefficients = row / np.array(SCALE)
    exact = float(np.minimum(coefficients * lower, coefficients * upper).sum() - coefficients @ np.array(SHIFT))
    below = solve_domain(affine, nodes, row[None], np.array([exact - 0.01]), time_limit=10)
    assert below.refuted
    above = solve_domain(affine, nodes, row[None], np.array([exact + 0.01]), time_limit=10)
    assert not above.refuted and above.candidate is not None
    assert row @ ((above.candidate - np.array(SHIFT)) / np.array(SCALE)) < exact + 0.01 + 1e-6
