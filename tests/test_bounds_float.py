"""The deployed network's rounding: every float32 value lies inside the boxes, margins on a rounding
boundary are never proven, the allowance is tight (a doubled allowance fails here, in intervals and in
back-substitution) and covers the measured float32 error of a deep network at random and adversarial inputs."""

from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from bounds_cases import exact_nodes, points, within

from verified_nn.bounds import Box, Rounding, interval_bounds, linear_bounds, margin_spec, spec_bounds
from verified_nn.layers import Dense, LeakyReLU, ReLU, Tanh
from verified_nn.network import Network

Array = np.ndarray[Any, Any]
SOUND = Rounding.sound(deployed=np.float32)


def _point(x: Array) -> Box:
    return Box(x.astype(np.float64)[None], x.astype(np.float64)[None])


def _deployed_nodes(network: Network[Any, Any], x: Array) -> list[Array]:
    values = [x[None]]
    for layer in network.layers:
        values.append(layer.forward(values[-1])[0])
    return [v[0] for v in values]


def boundary_network(ones: int, gap: float, *, big: float = 2.0**24) -> Network[Any, Any]:
    """One float32 layer: logit 0 is ``big + ones - big``, logit 1 the constant ``ones - gap``: at the all-ones
    input the real margin is ``gap``, and float32 may drop the units."""
    w = np.zeros((2, ones + 2), dtype=np.float32)
    w[0] = [big] + [1.0] * ones + [-big]
    return Network((Dense(weights=w, bias=np.array([0, ones - gap], dtype=np.float32)),))


@pytest.mark.parametrize(("ones", "gap"), [(1, 0.5), (2, 1.5), (4, 3.5), (6, 0.25)])
def test_a_margin_the_deployed_network_loses_is_never_proven(ones: int, gap: float) -> None:
    network = boundary_network(ones, gap)
    x = np.ones(ones + 2, dtype=np.float32)
    real_margin = Fraction(ones) - (Fraction(ones) - Fraction(gap))
    deployed = network.logits(x[None])[0]
    assert real_margin > 0 and deployed[0] - deployed[1] <= gap  # float32 loses some of the units
    nodes = linear_bounds(network, _point(x), rounding=SOUND)
    assert within(np.array([Fraction(float(v)) for v in deployed]), nodes.output.lower[0], nodes.output.upper[0])
    bound = spec_bounds(network, nodes, margin_spec(np.array([0]), 2)).lower[0, 0]
    assert bound <= deployed[0] - deployed[1]
    real = spec_bounds(
        network,
        linear_bounds(network, _point(x), rounding=Rounding.sound(deployed=None)),
        margin_spec(np.array([0]), 2),
    )
    assert real.lower[0, 0] > 0  # a verifier of the real network alone would prove it


def _cancelling(rng: np.random.Generator) -> tuple[Network[Any, Any], Array]:
    """A float32 layer or two whose biases cancel their rows' float dot products: outputs are rounding error."""
    n = int(rng.integers(1, 6))
    scale = 2.0 ** rng.integers(-30, 9, size=n)
    x = (rng.normal(0, 1, n) * scale).astype(np.float32)
    w = (rng.normal(0, 1, (3, n)) * 2.0 ** rng.integers(-8, 9, size=(3, n))).astype(np.float32)
    b = -(x[None] @ w.T)[0]  # the float dot products, negated: the deployed outputs are 0
    b = (b + rng.normal(0, 1, 3) * np.abs(b) * 2.0**-30).astype(np.float32)
    layers: list[Any] = [Dense(weights=w, bias=b)]
    if rng.random() < 0.5:
        layers += [
            ReLU() if rng.random() < 0.5 else LeakyReLU(0.1),
            Dense(weights=rng.normal(0, 1, (2, 3)).astype(np.float32), bias=np.zeros(2, np.float32)),
        ]
    return Network(tuple(layers)), x


def test_deployed_values_lie_in_their_boxes_and_the_allowance_is_tight() -> None:
    """300 cancelling networks: every float32 value lies in its box; and the largest ratio of actual error to
    the first layer's allowance exceeds 1/2, so an allowance twice as large as needed would fail here."""
    rng = np.random.default_rng(0)
    worst = 0.0
    for _ in range(300):
        network, x = _cancelling(rng)
        nodes = interval_bounds(network, _point(x), rounding=SOUND)
        real = exact_nodes(network, x.astype(np.float64))
        deployed = _deployed_nodes(network, x)
        for node in range(1, len(network.layers) + 1):
            values = np.vectorize(lambda v: Fraction(float(v)), otypes=[object])(deployed[node])
            assert within(values, nodes.boxes[node].lower[0], nodes.boxes[node].upper[0]), node
        allowance = nodes.boxes[1].upper[0] - nodes.boxes[1].lower[0]  # 2 (noise + float64 slack), point input
        errors = np.array([abs(Fraction(float(d)) - r) for d, r in zip(deployed[1], real[1], strict=True)], dtype=float)
        worst = max(worst, float(np.max(2 * errors / np.maximum(allowance, 1e-300))))
    assert worst > 0.5, worst


def test_a_tanh_network_keeps_its_deployed_values_in_the_boxes() -> None:
    rng = np.random.default_rng(1)
    network: Network[Any, Any] = Network(
        (
            Dense(weights=rng.normal(0, 1, (4, 3)).astype(np.float32), bias=np.zeros(4, np.float32)),
            Tanh(),
            Dense(weights=rng.normal(0, 1, (2, 4)).astype(np.float32), bias=np.zeros(2, np.float32)),
        )
    )
    for _ in range(20):
        x = rng.random(3).astype(np.float32)
        nodes = linear_bounds(
            network, Box(x.astype(np.float64)[None] - 0.01, x.astype(np.float64)[None] + 0.01), rounding=SOUND
        )
        out = network.logits(x[None])[0]
        assert np.all(nodes.output.lower[0] <= out) and np.all(out <= nodes.output.upper[0])


def test_an_overflowing_layer_gets_no_bound() -> None:
    huge = np.full((2, 2), 1e38, dtype=np.float32)
    network: Network[Any, Any] = Network((Dense(weights=huge, bias=np.zeros(2, np.float32)),))
    nodes = interval_bounds(network, _point(np.ones(2, np.float32)), rounding=SOUND)
    assert np.all(np.isinf(nodes.output.upper))


@pytest.mark.parametrize("rounding", [SOUND, Rounding.none(np.float64)], ids=["sound", "none"])
def test_a_boxs_centre_and_radius_contain_it_exactly_and_a_point_has_radius_zero(rounding: Rounding) -> None:
    """``[mu - r, mu + r]`` contains the box in exact rationals; where ``lower == upper`` the radius is exactly 0
    (a subnormal radius there would be as sound but make every product with it run at denormal speed)."""
    rng = np.random.default_rng(5)
    lower = rng.normal(0, 1, (2, 50))
    upper = np.where(rng.random((2, 50)) < 0.5, lower, lower + np.abs(rng.normal(0, 1e-3, (2, 50))))
    upper[0, :3] = np.nextafter(lower[0, :3], np.inf)  # one ulp wide
    mu, r = Box(lower, upper).center_radius(rounding)
    assert np.all(r[lower == upper] == 0) and np.all(r[lower != upper] > 0)
    if rounding.outward:
        for m, radius, low, high in zip(mu.ravel(), r.ravel(), lower.ravel(), upper.ravel(), strict=True):
            assert Fraction(m) - Fraction(radius) <= Fraction(low) and Fraction(m) + Fraction(radius) >= Fraction(high)


def _linear_worst(rng: np.random.Generator, count: int) -> float:
    """The largest ratio of actual deployed error to the allowance of a back-substituted bound (rows ``+-e_k`` of
    one cancelling layer at a point): the deployed rounding enters as a line in ``|x|`` there, not a box."""
    worst = 0.0
    for _ in range(count):
        network, x = _cancelling(rng)
        first = Network(network.layers[:1])
        nodes = linear_bounds(first, _point(x), rounding=SOUND)
        spec = np.vstack([np.eye(3), -np.eye(3)])
        found = spec_bounds(first, nodes, spec)
        real = exact_nodes(first, x.astype(np.float64))[1]
        deployed = first.logits(x[None])[0]
        values = np.concatenate([deployed, -deployed])
        exact = [*(Fraction(v) for v in real), *(-Fraction(v) for v in real)]
        for row in range(6):
            assert Fraction(float(found.lower[0, row])) <= Fraction(float(values[row]))  # sound for the deployed one
            assert Fraction(float(found.lower[0, row])) <= exact[row]  # and for the real one
            error = abs(Fraction(float(values[row])) - exact[row])
            if found.noise[0, row] > 0:
                worst = max(worst, float(error / Fraction(float(found.noise[0, row]))))
    return worst


def test_the_back_substituted_allowance_is_sound_and_tight() -> None:
    """300 cancelling layers bounded by back-substitution: every bound holds for the deployed and the real
    network, and the actual error reaches more than half the allowance somewhere."""
    assert _linear_worst(np.random.default_rng(3), 300) > 0.5


def test_a_doubled_back_substituted_allowance_fails_the_tightness_check(monkeypatch: pytest.MonkeyPatch) -> None:
    from verified_nn.bounds import _affine

    factor, offset = _affine.AffineRule._factor, _affine.AffineRule._offset
    monkeypatch.setattr(_affine.AffineRule, "_factor", lambda *args: 2 * factor(*args))
    monkeypatch.setattr(_affine.AffineRule, "_offset", lambda *args: 2 * offset(*args))
    assert _linear_worst(np.random.default_rng(3), 300) <= 0.5


def _deep(seed: int) -> Network[Any, Any]:
    """A float32 MLP 16-32x8-4: deep enough that interval magnitudes would swamp a box-based allowance."""
    from bounds_cases import tiny_mlp

    return tiny_mlp(seed, (16, *([32] * 8), 4), dtype=np.float32)


def _errors(network: Network[Any, Any], inputs: Array) -> Array:
    """``(n, 4)``: ``|float32 logits - float64 logits|`` (float64 stands for the reals: its own error is
    ``2**-29`` times smaller than float32's)."""
    wide = Network(tuple(layer.astype(np.float64) if layer.parameters() else layer for layer in network.layers))
    errors: Array = np.abs(network.logits(inputs).astype(np.float64) - wide.logits(inputs.astype(np.float64)))
    return errors


def _adversarial(network: Network[Any, Any], rng: np.random.Generator, count: int) -> Array:
    """Inputs in ``[0, 1]^16`` that make the float32 error large: the worst of 2,000 random ones, each then
    improved by 40 rounds of keeping the best of 16 random perturbations."""
    start = rng.random((2000, 16)).astype(np.float32)
    chosen = start[np.argsort(-_errors(network, start).max(axis=1))[:count]]
    for _ in range(40):
        trial = np.clip(chosen[:, None] + rng.normal(0, 0.05, (count, 16, 16)), 0, 1).astype(np.float32)
        candidates = np.concatenate([chosen[:, None], trial], axis=1)  # (count, 17, 16)
        scores = _errors(network, candidates.reshape(-1, 16)).max(axis=1).reshape(count, 17)
        chosen = candidates[np.arange(count), scores.argmax(axis=1)]
    return chosen


@pytest.mark.parametrize("seed", range(2))
def test_the_allowance_covers_the_float32_error_of_a_deep_network(seed: int) -> None:
    """Random and adversarial inputs of a deep float32 MLP, each as its own point domain: the float32 outputs
    lie above the deployed bounds of rows ``+-e_k``, the real bound is the float64 value (CROWN is exact at a
    point), and the allowance covers the measured float32-vs-float64 error."""
    network = _deep(seed)
    rng = np.random.default_rng(seed)
    inputs = np.vstack([rng.random((30, 16)).astype(np.float32), _adversarial(network, rng, 10)])
    box = Box(inputs.astype(np.float64), inputs.astype(np.float64))
    nodes = linear_bounds(network, box, rounding=SOUND)
    spec = np.vstack([np.eye(4), -np.eye(4)])
    found = spec_bounds(network, nodes, spec)
    deployed = network.logits(inputs).astype(np.float64)
    errors = _errors(network, inputs)
    assert np.all(found.lower <= np.hstack([deployed, -deployed]))
    measured = np.hstack([errors, errors])
    assert np.all(measured <= found.noise), float(np.max(measured / found.noise))
    assert np.max(errors) > 0  # the inputs do exercise the rounding


def test_a_deep_networks_bounds_over_a_ball_hold_for_its_float32_outputs() -> None:
    """The same network over balls of radius 0.02: the deployed margins at random points, corners and the
    adversarial inputs of the ball lie above the bounds; the allowance is a small part of the bound."""
    network = _deep(0)
    rng = np.random.default_rng(7)
    centres = _adversarial(network, rng, 4).astype(np.float64)
    box = Box(np.clip(centres - 0.02, 0, 1), np.clip(centres + 0.02, 0, 1))
    nodes = linear_bounds(network, box, rounding=SOUND)
    labels = network.logits(centres.astype(np.float32)).argmax(axis=1)
    spec = np.stack([margin_spec(np.array([label]), 4)[0] for label in labels])  # (4 domains, 3 rows, 4)
    found = spec_bounds(network, nodes, spec)
    for d in range(4):
        inside = np.vstack([points(box.lower[d], box.upper[d], rng, count=500), centres[d : d + 1]])
        logits = network.logits(inside.astype(np.float32)).astype(np.float64)
        assert np.all(found.lower[d] <= logits @ spec[d].T)
    assert np.all(found.noise < 1e-3 * np.maximum(1.0, np.abs(found.lower)))
