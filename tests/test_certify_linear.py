"""Back-substitution: valid linear bounds per neuron, and tighter than intervals where it matters."""

from fractions import Fraction

import numpy as np
import pytest
from certify_networks import tiny_network

from verified_nn.certify import (
    interval_bounds,
    interval_margins,
    linear_bounds,
    linear_margins,
    linf_ball,
    relaxation,
    specification,
)


@pytest.mark.parametrize("slope", [0.0, 0.01, 0.3])
def test_each_relaxation_bounds_the_activation_exactly_on_its_interval(slope: float) -> None:
    network = tiny_network(dtype=np.float32, slope=slope)
    rng = np.random.default_rng(0)
    low = np.concatenate([rng.uniform(-3, -1e-6, 50), rng.uniform(0, 1, 5), rng.uniform(-3, -1, 5), [-1e-30, -1.0]])
    high = np.concatenate([rng.uniform(1e-6, 3, 50), rng.uniform(1, 2, 5), rng.uniform(-1, 0, 5), [1e30, 1e-30]])
    g, s, t = relaxation(network, 0, low, high)
    leak = Fraction(network.deployed_slope(0))
    for k in range(len(low)):
        for z in np.linspace(low[k], high[k], 7):
            exact_z = Fraction(float(z))
            activation = exact_z if exact_z > 0 else leak * exact_z
            assert (
                Fraction(float(g[k])) * exact_z <= activation <= Fraction(float(s[k])) * exact_z + Fraction(float(t[k]))
            )


def test_an_unrounded_chord_can_fall_below_the_activation() -> None:
    # The chord through (l, 0) and (u, u) computed in float64 can lie below u at z = u: rounding it up matters.
    failures = 0
    rng = np.random.default_rng(1)
    for _ in range(200):
        low, high = -rng.random(1), rng.random(1)
        chord = high / (high - low)
        if Fraction(float(chord[0])) * (Fraction(float(high[0])) - Fraction(float(low[0]))) < Fraction(float(high[0])):
            failures += 1
    assert failures > 0


def test_back_substitution_is_tighter_than_intervals_on_a_deeper_network() -> None:
    network = tiny_network(seed=5, widths=(6, 20, 20, 20, 4))
    x = np.random.default_rng(5).random(6)
    ball = linf_ball(x, Fraction(1, 20))
    intervals = interval_bounds(network, ball)
    linear = linear_bounds(network, ball, intervals=intervals)
    width = [float(np.mean(u - lo)) for lo, u in zip(linear.lower, linear.upper, strict=True)]
    plain = [float(np.mean(u - lo)) for lo, u in zip(intervals.lower, intervals.upper, strict=True)]
    assert width[0] == plain[0] and width[-1] < 0.8 * plain[-1]
    label = int(network.predict(x[np.newaxis, :])[0])
    others = [j for j in range(4) if j != label]
    gain = linear_margins(network, ball, label, linear)[others] - interval_margins(intervals, label)[others]
    assert np.all(gain >= 0) and np.mean(gain) > 0


def test_the_specification_subtracts_every_other_class_from_the_label() -> None:
    np.testing.assert_array_equal(specification(3, 1), [[-1, 1, 0], [0, 1, -1]])
