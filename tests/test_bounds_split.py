"""split_bounds (beta-CROWN): sound over the domains the split constraints describe, tight where every value is
split, and tighter than clipping the split values alone; its costs and corners point where they should."""

import itertools
from typing import Any

import numpy as np
import pytest
from bounds_cases import tiny_mlp

from verified_nn.bounds import Box, Rounding, linear_bounds, split_bounds
from verified_nn.layers import Activation, Dense
from verified_nn.network import Network

Array = np.ndarray[Any, Any]
REAL = Rounding.sound(deployed=None)


def _constrained_minimum(
    network: Network[Any, Any], lower: Array, upper: Array, row: Array, fixed: dict[int, int]
) -> float:
    """``min row . f(x)`` over the box where hidden value ``k`` (counted over all hidden layers) has the sign
    ``fixed[k]`` (+1: ``>= 0``, -1: ``<= 0``): one linear program per activation pattern that agrees."""
    from scipy.optimize import linprog

    dense = [layer for layer in network.layers if isinstance(layer, Dense)]
    hidden = [layer.weights.shape[0] for layer in dense[:-1]]
    best = np.inf
    for pattern in itertools.product((0, 1), repeat=sum(hidden)):
        if any(pattern[k] != (1 if sign > 0 else 0) for k, sign in fixed.items()):
            continue
        matrix, offset = np.eye(lower.size), np.zeros(lower.size)
        rows, limits, position = [], [], 0
        for layer, width in zip(dense[:-1], hidden, strict=True):
            z_matrix, z_offset = layer.weights @ matrix, layer.weights @ offset + layer.bias
            signs = np.array(pattern[position : position + width])
            position += width
            for k in range(width):
                direction = -1.0 if signs[k] else 1.0
                rows.append(direction * z_matrix[k])
                limits.append(-direction * z_offset[k])
            matrix, offset = signs[:, np.newaxis] * z_matrix, signs * z_offset
        w, b = dense[-1].weights, dense[-1].bias
        result = linprog(
            row @ w @ matrix, A_ub=np.array(rows), b_ub=np.array(limits), bounds=list(zip(lower, upper, strict=True))
        )
        if result.status == 0:
            best = min(best, float(result.fun) + float(row @ (w @ offset + b)))
    return best


def _splits(network: Network[Any, Any], fixed: dict[int, int]) -> dict[int, Array]:
    """Split constraints per node (a ReLU layer's input) for hidden values numbered across the layers."""
    splits: dict[int, Array] = {}
    position = 0
    for index, layer in enumerate(network.layers):
        if isinstance(layer, Activation):
            before = network.layers[index - 1]
            assert isinstance(before, Dense)
            width = before.weights.shape[0]
            signs = np.zeros((1, width), dtype=np.int8)
            for k, sign in fixed.items():
                if position <= k < position + width:
                    signs[0, k - position] = sign
            splits[index] = signs
            position += width
    return splits


CASES = [(seed, fixed) for seed in range(4) for fixed in ({0: 1, 6: -1}, {1: -1, 2: 1, 7: 1}, {3: 1})]


@pytest.mark.parametrize(("seed", "fixed"), CASES)
def test_the_bound_holds_on_the_split_domain_and_improves_on_crown(seed: int, fixed: dict[int, int]) -> None:
    network = tiny_mlp(seed, (3, 5, 4, 2))
    rng = np.random.default_rng(seed)
    lower, upper = -rng.random(3), rng.random(3)
    splits = _splits(network, fixed)
    nodes = linear_bounds(network, Box(lower[None], upper[None]), rounding=REAL, splits=splits)
    spec = np.array([[1.0, -1.0], [-0.5, 2.0]])
    beta = split_bounds(network, nodes, spec, splits=splits, iterations=30)
    crown = split_bounds(network, nodes, spec)  # the same boxes: CROWN's slopes, no multipliers
    for r, row in enumerate(spec):
        exact = _constrained_minimum(network, lower, upper, row, fixed)
        if not np.isfinite(exact):  # the constraints leave no input
            assert beta.lower[0, r] == np.inf or beta.lower[0, r] <= exact
            continue
        assert beta.lower[0, r] <= exact + 1e-9
        assert beta.lower[0, r] >= crown.lower[0, r] - 1e-9  # the best iterate is kept: never worse


def test_the_multipliers_tighten_what_clipping_the_split_values_cannot() -> None:
    gains = []
    for seed, fixed in CASES:
        network = tiny_mlp(seed, (3, 5, 4, 2))
        rng = np.random.default_rng(seed)
        box = Box(-rng.random((1, 3)), rng.random((1, 3)))
        splits = _splits(network, fixed)
        nodes = linear_bounds(network, box, rounding=REAL, splits=splits)
        spec = np.array([[1.0, -1.0]])
        with_beta = split_bounds(network, nodes, spec, splits=splits, iterations=30).lower[0, 0]
        without = split_bounds(network, nodes, spec, iterations=30).lower[0, 0]
        gains.append(with_beta - without)
    assert max(gains) > 1e-3  # the constraints on the inputs reaching the domain are worth something


def test_with_every_value_split_the_bound_reaches_the_linear_programs_minimum() -> None:
    network = tiny_mlp(5, (2, 4, 3, 1))
    lower, upper = np.array([-1.0, -1.0]), np.array([1.0, 1.0])
    row = np.array([1.0])
    for pattern in itertools.product((1, -1), repeat=7):
        fixed = dict(enumerate(pattern))
        exact = _constrained_minimum(network, lower, upper, row, fixed)
        if not np.isfinite(exact):
            continue
        splits = _splits(network, fixed)
        nodes = linear_bounds(network, Box(lower[None], upper[None]), rounding=REAL, splits=splits)
        found = split_bounds(network, nodes, row[None], splits=splits, iterations=200, rate=0.05)
        assert found.lower[0, 0] <= exact + 1e-9
        assert found.lower[0, 0] >= exact - 0.05 * (1 + abs(exact))  # strong duality: the gap closes
        return
    pytest.fail("no feasible pattern")


def test_the_corner_attains_the_linear_bound_and_costs_name_unstable_values_only() -> None:
    network = tiny_mlp(1, (3, 6, 2))
    lower, upper = -np.ones(3), np.ones(3)
    nodes = linear_bounds(network, Box(lower[None], upper[None]), rounding=REAL)
    found = split_bounds(network, nodes, np.array([[1.0, -1.0]]))
    corner = found.corner[0, 0]
    assert set(np.unique(corner)) <= {-1.0, 1.0}  # a vertex of the box
    assert network.logits(corner[None])[0] @ np.array([1.0, -1.0]) >= found.lower[0, 0] - 1e-9
    box = nodes.boxes[1]
    stable = (box.lower[0] >= 0) | (box.upper[0] <= 0)
    assert np.all(found.costs[1][0, 0][stable] == 0) and np.all(found.backup[1][0, 0][stable] == 0)


def test_negative_iterations_are_refused() -> None:
    network = tiny_mlp(0, (2, 3, 1))
    nodes = linear_bounds(network, Box(-np.ones((1, 2)), np.ones((1, 2))), rounding=REAL)
    with pytest.raises(ValueError, match="iterations must be >= 0"):
        split_bounds(network, nodes, np.array([[1.0]]), iterations=-1)


def test_domains_past_their_target_stop_and_the_others_go_on_unchanged() -> None:
    network = tiny_mlp(0, (3, 5, 4, 2))
    rng = np.random.default_rng(0)
    low = -rng.random((8, 3))
    box = Box(low, low + rng.random((8, 3)))
    nodes = linear_bounds(network, box, rounding=REAL)
    spec = np.array([[1.0, -1.0]])
    first = split_bounds(network, nodes, spec)
    alone = split_bounds(network, nodes, spec, iterations=20)
    target = np.where(np.arange(8) < 4, -np.inf, np.inf)[:, None]  # the first four are done at once
    found = split_bounds(network, nodes, spec, iterations=20, target=target)
    np.testing.assert_array_equal(found.lower[:4], first.lower[:4])
    np.testing.assert_allclose(found.lower[4:], alone.lower[4:], rtol=1e-12)
    assert np.all(alone.lower[4:] >= first.lower[4:]) and np.any(alone.lower[4:] > first.lower[4:] + 1e-6)
    for layer, slopes in alone.slopes.items():
        np.testing.assert_allclose(found.slopes[layer][4:], slopes[4:], rtol=1e-12)


@pytest.mark.parametrize("deployed", [None, np.float32])
def test_the_ascent_leaves_out_the_rounding_but_the_bound_it_returns_has_it(deployed: Any) -> None:
    """The steps optimise unrounded bounds (cheaper); the bound returned is the sound one at the slopes and
    multipliers kept: bounding again with those, soundly and without a step, gives it exactly (and the same
    corner and costs), and it lies below the same bound without the rounding allowances."""
    network = tiny_mlp(1, (3, 5, 4, 2))
    rounding = Rounding.sound(deployed=deployed)
    box = Box(np.full((1, 3), -1.0), np.full((1, 3), 1.0))
    splits = _splits(network, {0: 1, 6: -1})
    nodes = linear_bounds(network, box, rounding=rounding, splits=splits)
    spec = np.array([[1.0, -1.0], [-1.0, 1.0]])
    found = split_bounds(network, nodes, spec, splits=splits, iterations=15)
    again = split_bounds(network, nodes, spec, splits=splits, slopes=found.slopes, betas=found.betas)
    np.testing.assert_array_equal(found.lower, again.lower)
    # What branching and attacks read is that bound's too: its corner, input coefficients and costs.
    assert found.inputs is not None and again.inputs is not None
    np.testing.assert_array_equal(found.corner, again.corner)
    np.testing.assert_array_equal(found.inputs, again.inputs)
    assert found.costs.keys() == again.costs.keys()
    for layer, cost in again.costs.items():
        np.testing.assert_array_equal(found.costs[layer], cost)
        np.testing.assert_array_equal(found.backup[layer], again.backup[layer])
    unrounded = split_bounds(network, nodes.unrounded(), spec, splits=splits, slopes=found.slopes, betas=found.betas)
    assert np.all(found.lower < unrounded.lower)
    crown = split_bounds(network, nodes, spec, splits=splits)
    assert np.all(found.lower >= crown.lower) and np.any(found.lower > crown.lower + 1e-6)
