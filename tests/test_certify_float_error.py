"""The float-error bound: networks on a rounding boundary are never verified, and the bound scales with the dtype."""

import itertools
from fractions import Fraction

import numpy as np
import pytest
from certify_networks import boundary_network, tiny_network

from verified_nn.certify import (
    FLOAT_UNDECIDED,
    MISCLASSIFIED,
    CertifyConfig,
    DenseNetwork,
    certify_image,
    forward_error,
    interval_bounds,
    interval_margins,
    linear_bounds,
    linear_margins,
    linf_ball,
    required_margins,
)

ONES = np.ones(3, dtype=np.float32)


def test_float32_loses_the_unit_so_the_deployed_network_flips_a_really_positive_margin() -> None:
    network = boundary_network(ones=1, gap=0.5)  # real logits: 1 and 0.5
    ball = linf_ball(ONES, Fraction(0))
    assert interval_margins(interval_bounds(network, ball), 0)[1] > 0.49  # a real-valued verifier would certify
    assert int(network.predict(ONES[np.newaxis, :])[0]) == 1  # but float32 computes 2**24 + 1 - 2**24 = 0
    result = certify_image(network, ONES, 0, CertifyConfig(eps=Fraction(0)))
    assert result.status == MISCLASSIFIED and result.counterexample_class == 1


@pytest.mark.parametrize("method", ["ibp", "crown", "complete"])
def test_a_margin_within_the_rounding_allowance_is_float_undecided_by_every_method(method: str) -> None:
    network = boundary_network(ones=2, gap=1.5)  # real logits 2 and 0.5; float32 gives 1 and 0.5
    x = np.ones(4, dtype=np.float32)
    ball = linf_ball(x, Fraction(0))
    margins = linear_margins(network, ball, 0, linear_bounds(network, ball))
    needed = required_margins(forward_error(network, interval_bounds(network, ball), ball), 0)
    assert 1.49 < margins[1] < needed[1]
    result = certify_image(network, x, 0, CertifyConfig(eps=Fraction(0), method=method))
    assert result.status == FLOAT_UNDECIDED and result.float_error == needed[1]


def test_the_same_margin_is_verified_once_the_big_terms_are_small_enough_to_add_exactly() -> None:
    network = boundary_network(ones=2, gap=1.5, big=2.0**4)
    result = certify_image(network, np.ones(4, dtype=np.float32), 0, CertifyConfig(eps=Fraction(1, 100)))
    assert result.status == "verified" and 0 < result.float_error < 1e-4


def _flipping_network(big: float, units: int, offset: float, slope: float) -> DenseNetwork:
    # Hidden neuron 0 is big*x_0 + units*x_1 - big*x_2 + (offset - units): really `offset` < 0 at x = 1,
    # but float32 may round big + units up. Two rows: numpy sums a one-row product differently (exactly).
    w1 = np.array([[big, units, -big], [0, 0, 0]], dtype=np.float32)
    b1 = np.array([offset - units, -1], dtype=np.float32)
    w2 = np.array([[10, 0], [0, 0]], dtype=np.float32)
    return DenseNetwork(weights=(w1, w2), biases=(b1, np.zeros(2, np.float32)), slopes=(slope,))


@pytest.mark.parametrize("slope", [0.0, 0.1])
def test_the_bound_holds_where_float32_switches_on_a_neuron_that_is_off_in_the_real_network(slope: float) -> None:
    flipped = 0
    for big, units, offset in itertools.product((2.0**24, 2.0**25), range(1, 8), (-0.75, -0.5, -0.25)):
        network = _flipping_network(big, units, offset, slope)
        ball = linf_ball(ONES, Fraction(0))
        hidden, logits = network.pre_activations(ONES[np.newaxis, :])
        flipped += hidden[0, 0] > 0  # the deployed neuron is on; the real one (value `offset`) is off
        real = 10 * Fraction(offset) * Fraction(network.deployed_slope(0))  # the real neuron is off: 0 for ReLU
        error = forward_error(network, interval_bounds(network, ball), ball)
        assert abs(Fraction(float(logits[0, 0])) - real) <= Fraction(float(error[0]))
    assert flipped >= 10


def test_the_bound_for_float64_is_smaller_by_about_the_ratio_of_unit_roundoffs() -> None:
    ball = linf_ball(np.random.default_rng(0).random(3), Fraction(1, 50))
    errors = {
        dtype: forward_error(tiny_network(dtype=dtype), interval_bounds(tiny_network(dtype=dtype), ball), ball)
        for dtype in (np.float32, np.float64)
    }
    ratio = errors[np.float32] / errors[np.float64]
    assert np.all((ratio > 2.0**28) & (ratio < 2.0**30))


def test_a_network_that_could_overflow_gets_no_bound() -> None:
    huge = np.full((2, 2), 1e38, dtype=np.float32)
    network = DenseNetwork(weights=(huge,), biases=(np.zeros(2, np.float32),), slopes=())
    ball = linf_ball(np.ones(2, np.float32), Fraction(0))
    assert np.all(np.isinf(forward_error(network, interval_bounds(network, ball), ball)))
