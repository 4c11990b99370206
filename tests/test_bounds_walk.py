"""The walkers: boxes and linear bounds contain the network exactly, are as tight as documented, and the
branch-and-bound interface (domains, split constraints, known bounds, arbitrary specifications) holds."""

from typing import Any

import numpy as np
import pytest
from bounds_cases import exact_minimum, exact_nodes, points, tiny_mlp, within

from verified_nn.bounds import (
    BoundsError,
    Box,
    Rounding,
    interval_bounds,
    linear_bounds,
    margin_spec,
    spec_bounds,
)
from verified_nn.layers import Dense, Flatten, ReLU, Reshape
from verified_nn.network import Network

Array = np.ndarray[Any, Any]
REAL = Rounding.sound(deployed=None)


def _ball(x: Array, eps: float) -> Box:
    return Box(np.clip(x - eps, 0, 1)[None], np.clip(x + eps, 0, 1)[None])


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("slope", [0.0, 0.1])
def test_every_node_box_and_margin_bound_contains_the_real_network_exactly(seed: int, slope: float) -> None:
    network = tiny_mlp(seed, (4, 6, 5, 3), slope=slope)
    rng = np.random.default_rng(seed)
    box = _ball(rng.random(4), 0.15)
    label = int(network.predict(box.lower[:, :] * 0 + (box.lower + box.upper) / 2)[0])
    spec = margin_spec(np.array([label]), 3)
    for nodes in (interval_bounds(network, box, rounding=REAL), linear_bounds(network, box, rounding=REAL)):
        margins = spec_bounds(network, nodes, spec).lower[0]
        for x in points(box.lower[0], box.upper[0], rng):
            for node, values in enumerate(exact_nodes(network, x)):
                assert within(values, nodes.boxes[node].lower[0], nodes.boxes[node].upper[0]), node
            out = exact_nodes(network, x)[-1]
            assert all(float(margins[r]) <= float(spec[0, r] @ out) for r in range(2))


@pytest.mark.parametrize("seed", range(6))
def test_linear_bounds_are_between_intervals_and_the_exact_minimum(seed: int) -> None:
    """Both IBP (the last layer folded) and CROWN stay at or below the exact minimum (one LP per activation
    pattern), and with one hidden layer CROWN is below it by at most the documented gap: each unstable
    neuron's coefficient times the largest gap of its relaxation, ``-l u / (u - l)``. (CROWN is not always
    above IBP, which is why certify takes the larger of the two.)"""
    pytest.importorskip("scipy")
    network = tiny_mlp(seed, (3, 6, 3))
    rng = np.random.default_rng(seed)
    box = _ball(rng.random(3), 0.15)
    label = int(network.predict((box.lower + box.upper) / 2)[0])
    spec = margin_spec(np.array([label]), 3)
    ibp = spec_bounds(network, interval_bounds(network, box, rounding=REAL), spec, stop=len(network.layers) - 1)
    nodes = linear_bounds(network, box, rounding=REAL)
    crown = spec_bounds(network, nodes, spec)
    low, high = nodes.boxes[1].lower[0], nodes.boxes[1].upper[0]
    unstable = (low < 0) & (high > 0)
    gaps = np.where(unstable, -low * high / np.where(unstable, high - low, 1), 0)
    last = network.layers[-1]
    assert isinstance(last, Dense)
    for r in range(2):
        exact = exact_minimum(network, box.lower[0], box.upper[0], spec[0, r])
        assert max(ibp.lower[0, r], crown.lower[0, r]) <= exact + 1e-9
        coefficients = spec[0, r] @ last.weights
        assert exact - crown.lower[0, r] <= np.abs(coefficients) @ gaps + 1e-9


def test_linear_bounds_are_exact_when_every_neuron_is_stable() -> None:
    """With no unstable neuron the network is affine on the box: back-substitution gives the exact minimum."""
    pytest.importorskip("scipy")
    network = tiny_mlp(7, (3, 4, 3))
    x = np.array([0.4, 0.6, 0.5])
    box = _ball(x, 1e-3)
    nodes = linear_bounds(network, box, rounding=REAL)
    hidden = nodes.boxes[1]
    assert np.all((hidden.lower > 0) | (hidden.upper < 0))
    row = np.array([1.0, -1.0, 0.0])
    assert (
        abs(
            spec_bounds(network, nodes, row[None]).lower[0, 0] - exact_minimum(network, box.lower[0], box.upper[0], row)
        )
        < 1e-12
    )


def test_domains_are_bounded_as_if_one_by_one() -> None:
    network = tiny_mlp(1, (4, 6, 5, 3))
    rng = np.random.default_rng(1)
    xs = rng.random((5, 4))
    boxes = [_ball(x, 0.1) for x in xs]
    together = Box(np.concatenate([b.lower for b in boxes]), np.concatenate([b.upper for b in boxes]))
    spec = margin_spec(np.arange(5) % 3, 3)
    joint = spec_bounds(network, linear_bounds(network, together, rounding=REAL), spec)
    for d, box in enumerate(boxes):
        alone = spec_bounds(network, linear_bounds(network, box, rounding=REAL), spec[d : d + 1])
        np.testing.assert_allclose(joint.lower[d], alone.lower[0], rtol=1e-12, atol=1e-12)


def test_split_constraints_bound_each_half_soundly_and_no_looser() -> None:
    """Splitting an unstable neuron into >= 0 and <= 0 gives two domains whose bounds are sound for their
    halves and at least the unsplit bound; a split that empties a domain is reported infeasible (+inf)."""
    network = tiny_mlp(2, (3, 6, 3))
    rng = np.random.default_rng(2)
    box = _ball(rng.random(3), 0.2)
    nodes = linear_bounds(network, box, rounding=REAL)
    hidden = nodes.boxes[1]
    unstable = np.flatnonzero((hidden.lower[0] < 0) & (hidden.upper[0] > 0))
    assert unstable.size
    k = unstable[0]
    signs = np.zeros((2, 6), dtype=np.int8)
    signs[0, k], signs[1, k] = 1, -1
    both = Box(np.repeat(box.lower, 2, axis=0), np.repeat(box.upper, 2, axis=0))
    split = linear_bounds(network, both, rounding=REAL, splits={1: signs})
    row = np.array([[1.0, -1.0, 0.0]])
    whole = spec_bounds(network, nodes, row).lower[0, 0]
    halves = spec_bounds(network, split, row).lower[:, 0]
    assert np.all(halves >= whole - 1e-12)
    for x in points(box.lower[0], box.upper[0], rng, count=200):
        values = exact_nodes(network, x)
        side = 0 if values[1][k] >= 0 else 1
        assert float(row[0] @ values[-1]) >= halves[side] - 1e-12
    impossible = np.zeros((1, 6), dtype=np.int8)
    impossible[0, np.argmax(hidden.upper[0] < 0) if np.any(hidden.upper[0] < 0) else k] = 1
    if np.any(hidden.upper[0] < 0):
        empty = linear_bounds(network, box, rounding=REAL, splits={1: impossible})
        assert np.all(np.isinf(spec_bounds(network, empty, row).lower))


def test_known_bounds_are_reused_and_never_loosened() -> None:
    network = tiny_mlp(3, (3, 6, 5, 3))
    box = _ball(np.array([0.3, 0.5, 0.7]), 0.2)
    parent = linear_bounds(network, box, rounding=REAL)
    child = linear_bounds(network, box, rounding=REAL, known=parent, reuse=2)
    for mine, theirs in zip(child.boxes, parent.boxes, strict=True):
        assert np.all(mine.lower >= theirs.lower) and np.all(mine.upper <= theirs.upper)
    assert child.boxes[1] is parent.boxes[1]


def test_any_linear_specification_of_the_output_is_bounded() -> None:
    """Rows need not be margins: the bound of each row is at most its value at every sampled point."""
    network = tiny_mlp(4, (3, 5, 4))
    rng = np.random.default_rng(4)
    box = _ball(rng.random(3), 0.1)
    spec = rng.normal(0, 1, (6, 4))
    lower = spec_bounds(network, linear_bounds(network, box, rounding=REAL), spec).lower[0]
    for x in points(box.lower[0], box.upper[0], rng):
        out = exact_nodes(network, x)[-1].astype(float)
        assert np.all(lower <= spec @ out + 1e-12)


def test_networks_with_reshapes_are_walked_through() -> None:
    rng = np.random.default_rng(5)
    layers = (
        Reshape((2, 3)),
        Flatten(),
        Dense(weights=rng.normal(0, 1, (4, 6)), bias=np.zeros(4)),
        ReLU(),
        Dense(weights=rng.normal(0, 1, (2, 4)), bias=np.zeros(2)),
    )
    network: Network[Any, Any] = Network(layers)
    box = _ball(rng.random(6), 0.1)
    nodes = linear_bounds(network, box, rounding=REAL)
    for x in points(box.lower[0], box.upper[0], rng):
        out = network.logits(x[None])[0]
        assert np.all(nodes.output.lower[0] <= out + 1e-12) and np.all(out <= nodes.output.upper[0] + 1e-12)


def test_a_box_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(BoundsError, match="the input box has shape"):
        interval_bounds(tiny_mlp(), Box(np.zeros((1, 5)), np.ones((1, 5))), rounding=REAL)


def _small_cnn(seed: int) -> Network[Any, Any]:
    from verified_nn.layers import AvgPool2D, Conv2D, MaxPool2D

    rng = np.random.default_rng(seed)
    layers = (
        Reshape((1, 8, 8)),
        Conv2D.init(3, 1, kernel=3, stride=2, padding=1, rng=rng, dtype=np.float64),
        ReLU(),
        MaxPool2D(2),
        AvgPool2D(2, stride=1, padding=1),
        Conv2D.init(4, 3, kernel=2, rng=rng, dtype=np.float64),
        ReLU(),
        Flatten(),
        Dense.init(5, 16, rng=rng, dtype=np.float64),
    )
    return Network(layers)


@pytest.mark.parametrize("seed", range(3))
def test_convolutions_and_pooling_are_bounded_soundly_at_every_node(seed: int) -> None:
    """Conv2D (stride, padding), ReLU, MaxPool2D and AvgPool2D (padding), Flatten: every node's box holds the
    network's values at random points and corners of the input box, by IBP and by back-substitution."""
    network = _small_cnn(seed)
    rng = np.random.default_rng(seed)
    box = _ball(rng.random(64), 0.05)
    label = int(network.predict((box.lower + box.upper) / 2)[0])
    spec = margin_spec(np.array([label]), 5)
    for nodes in (interval_bounds(network, box, rounding=REAL), linear_bounds(network, box, rounding=REAL)):
        margins = spec_bounds(network, nodes, spec).lower[0]
        samples = points(box.lower[0], box.upper[0], rng, count=200)
        values = samples
        for node, layer in enumerate(network.layers):
            assert np.all(nodes.boxes[node].lower <= values + 1e-12) and np.all(
                values <= nodes.boxes[node].upper + 1e-12
            )
            values = layer.forward(values)[0]
        assert np.all(margins <= values @ spec[0].T + 1e-12)


def test_linear_bounds_through_pooling_are_tighter_than_intervals() -> None:
    network = _small_cnn(0)
    box = _ball(np.random.default_rng(0).random(64), 0.02)
    spec = margin_spec(np.array([0]), 5)
    ibp = spec_bounds(network, interval_bounds(network, box, rounding=REAL), spec, stop=len(network.layers) - 1)
    crown = spec_bounds(network, linear_bounds(network, box, rounding=REAL), spec)
    assert np.all(crown.lower >= ibp.lower - 1e-9) and np.any(crown.lower > ibp.lower + 1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_concretizing_a_finite_box_is_sound_against_exact_arithmetic_and_tight(dtype: Any) -> None:
    from fractions import Fraction

    from verified_nn.bounds._rule import LinearForm
    from verified_nn.bounds._walk import _concretize

    rng = np.random.default_rng(3)
    rounding = Rounding.sound(deployed=np.dtype(np.float32), dtype=np.dtype(dtype).name)
    # Large terms that cancel: the float sums are far from exact, the charged error must cover them.
    lam = (rng.standard_normal((3, 4, 50)) * 10.0 ** rng.integers(-3, 4, (3, 4, 50))).astype(dtype)
    lam[:, :, :5] = 0
    low = (rng.random((3, 50)) * 100 - 50).astype(dtype)
    box = Box(low, (low + rng.random((3, 50)).astype(dtype)).astype(dtype))
    form = LinearForm.start(lam, rounding.dtype).replace(const=rng.standard_normal((3, 4)).astype(dtype))
    found = _concretize(form, box, rounding)
    for d in range(3):
        for r in range(4):
            exact = Fraction(float(form.const[d, r])) + sum(
                Fraction(float(c)) * Fraction(float(box.lower[d, i] if c > 0 else box.upper[d, i]))
                for i, c in enumerate(lam[d, r])
            )
            assert found[d, r] <= exact
            scale = float(np.abs(lam[d, r]) @ np.maximum(np.abs(box.lower[d]), np.abs(box.upper[d])))
            # The error charged is about 2 gamma_(n+3) |lam| . |x|: no more than that is given away.
            assert float(exact) - found[d, r] <= 4 * (50 + 3) * rounding.u * scale


def test_concretizing_an_unbounded_box_gives_minus_infinity_where_the_form_reaches_it() -> None:
    from verified_nn.bounds._rule import LinearForm
    from verified_nn.bounds._walk import _concretize

    box = Box(np.array([[0.0, -np.inf]]), np.array([[1.0, 2.0]]))
    form = LinearForm.start(np.array([[[1.0, 1.0], [1.0, -1.0], [2.0, 0.0]]]), np.dtype(np.float64))
    found = _concretize(form, box, REAL)
    assert found[0, 0] <= -1e300
    assert -2.0 - 1e-12 <= found[0, 1] <= -2.0
    assert -1e-12 <= found[0, 2] <= 0.0
