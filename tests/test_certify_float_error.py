"""Float soundness end to end: networks on a rounding boundary are never verified, the bound holds where
float32 switches a neuron the real network keeps off, and the allowance scales with the dtype."""

import itertools
from fractions import Fraction

import numpy as np
import pytest
from certify_networks import boundary_network, dense_network, tiny_network

from verified_nn.bounds import Rounding, interval_bounds, linear_bounds, margin_spec, spec_bounds
from verified_nn.certify import FLOAT_UNDECIDED, MISCLASSIFIED, VERIFIED, CertifyConfig, certify_image, linf_ball

ONES = np.ones(3, dtype=np.float32)
SOUND = Rounding.sound(deployed=np.float32)
REAL = Rounding.sound(deployed=None)


def test_float32_loses_the_unit_so_the_deployed_network_flips_a_really_positive_margin() -> None:
    network = boundary_network(ones=1, gap=0.5)  # real logits: 1 and 0.5
    ball = linf_ball(ONES, Fraction(0))
    real = spec_bounds(network, interval_bounds(network, ball.box(), rounding=REAL), margin_spec(np.array([0]), 2))
    assert real.lower[0, 0] > 0.49  # a real-valued verifier would certify
    assert int(network.predict(ONES[np.newaxis, :])[0]) == 1  # but float32 computes 2**24 + 1 - 2**24 = 0
    result = certify_image(network, ONES, 0, CertifyConfig(eps=Fraction(0)))
    assert result.status == MISCLASSIFIED and result.counterexample_class == 1


@pytest.mark.parametrize("method", ["ibp", "crown", "complete"])
def test_a_margin_within_the_rounding_allowance_is_float_undecided_by_every_method(method: str) -> None:
    network = boundary_network(ones=2, gap=1.5)  # real logits 2 and 0.5; float32 gives 1 and 0.5
    x = np.ones(4, dtype=np.float32)
    result = certify_image(network, x, 0, CertifyConfig(eps=Fraction(0), method=method))
    assert result.status == FLOAT_UNDECIDED and result.margin_bound < 0.5 < 1.5 and result.float_error > 1


def test_the_same_margin_is_verified_once_the_big_terms_are_small_enough_to_add_exactly() -> None:
    network = boundary_network(ones=2, gap=1.5, big=2.0**4)
    result = certify_image(network, np.ones(4, dtype=np.float32), 0, CertifyConfig(eps=Fraction(1, 100)))
    assert result.status == VERIFIED and 0 < result.float_error < 1e-4


@pytest.mark.parametrize("slope", [0.0, 0.1])
def test_the_bound_holds_where_float32_switches_on_a_neuron_that_is_off_in_the_real_network(slope: float) -> None:
    flipped = 0
    for big, units, offset in itertools.product((2.0**24, 2.0**25), range(1, 8), (-0.75, -0.5, -0.25)):
        # Hidden neuron 0 is big*x_0 + units*x_1 - big*x_2 + (offset - units): really `offset` < 0 at x = 1,
        # but float32 may round big + units up. Two rows: numpy sums a one-row product differently (exactly).
        w1 = np.array([[big, units, -big], [0, 0, 0]], dtype=np.float32)
        b1 = np.array([offset - units, -1], dtype=np.float32)
        w2 = np.array([[10, 0], [0, 0]], dtype=np.float32)
        network = dense_network([w1, w2], [b1, np.zeros(2, np.float32)], (slope,))
        hidden = network.layers[0].forward(ONES[np.newaxis])[0]
        flipped += hidden[0, 0] > 0  # the deployed neuron is on; the real one (value `offset`) is off
        nodes = linear_bounds(network, linf_ball(ONES, Fraction(0)).box(), rounding=SOUND)
        logits = network.logits(ONES[np.newaxis])[0]
        real = 10 * Fraction(offset) * Fraction(slope)
        for value in (Fraction(float(logits[0])), real):
            assert Fraction(float(nodes.output.lower[0, 0])) <= value <= Fraction(float(nodes.output.upper[0, 0]))
    assert flipped >= 10


def test_the_allowance_for_float64_is_smaller_by_about_the_ratio_of_unit_roundoffs() -> None:
    ball = linf_ball(np.random.default_rng(0).random(3), Fraction(1, 50))
    spec = margin_spec(np.array([0]), 3)
    noise = {}
    for dtype in (np.float32, np.float64):
        network = tiny_network(dtype=np.float64)
        nodes = linear_bounds(network, ball.box(), rounding=Rounding.sound(deployed=dtype))
        noise[dtype] = spec_bounds(network, nodes, spec).noise[0]
    ratio = noise[np.float32] / noise[np.float64]
    assert np.all((ratio > 2.0**28) & (ratio < 2.0**30))


def test_a_network_that_could_overflow_is_never_verified() -> None:
    huge = np.full((2, 2), 1e38, dtype=np.float32)
    network = dense_network([huge], [np.array([1e38, 0], np.float32)], ())
    result = certify_image(network, np.ones(2, np.float32) / 2, 0, CertifyConfig(eps=Fraction(0), method="crown"))
    assert result.status != VERIFIED
