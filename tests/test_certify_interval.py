"""Interval bound propagation: outward rounding where plain float64 would cut off the exact value."""

from fractions import Fraction

import numpy as np
from certify_networks import tiny_network

from verified_nn.certify import (
    Bounds,
    DenseNetwork,
    activation_interval,
    affine_interval,
    elided_margins,
    interval_bounds,
    interval_margins,
    linf_ball,
)


def test_outward_rounding_keeps_an_exact_value_that_plain_float64_rounds_away() -> None:
    # 1 + 2**-60 rounds to 1 in float64: a plain upper bound of 1 would exclude the exact value.
    network = DenseNetwork(weights=(np.array([[1.0, 2.0**-60]]),), biases=(np.zeros(1),), slopes=())
    low, high = affine_interval(network, 0, np.ones(2), np.ones(2))
    plain_high = np.maximum(network.weights[0], 0) @ np.ones(2)
    exact = Fraction(1) + Fraction(2) ** -60
    assert Fraction(float(plain_high[0])) < exact  # what a verifier without outward rounding would claim
    assert Fraction(float(low[0])) <= exact <= Fraction(float(high[0]))


def test_a_ball_of_radius_zero_gives_the_value_itself_up_to_rounding() -> None:
    network = tiny_network(seed=3)
    x = np.random.default_rng(3).random(3)
    bounds = interval_bounds(network, linf_ball(x, Fraction(0)))
    z = network.logits(x[np.newaxis, :])[0]
    assert np.all(bounds.lower[-1] <= z) and np.all(z <= bounds.upper[-1])
    assert np.all(bounds.upper[-1] - bounds.lower[-1] < 1e-12)


def test_leaky_activation_bounds_round_the_product_outward() -> None:
    network = tiny_network(slope=0.1)
    low, high = activation_interval(network, 0, np.array([-3.0, 2.0]), np.array([-1.0, 5.0]))
    assert low[0] < -0.3 and Fraction(float(low[0])) <= Fraction(-3) * Fraction(0.1)
    assert high[0] > -0.1 and Fraction(float(high[0])) >= Fraction(-1) * Fraction(0.1)
    np.testing.assert_array_equal([low[1], high[1]], [2.0, 5.0])  # positive side: exact


def test_interval_margins_are_lower_logit_minus_upper_logit() -> None:
    bounds = Bounds(lower=(np.array([1.0, 0.0, -1.0]),), upper=(np.array([2.0, 0.5, 3.0]),))
    margins = interval_margins(bounds, 0)
    assert margins[0] == np.inf
    assert margins[1] <= 0.5 and margins[1] > 0.5 - 1e-15 and margins[2] <= -2.0


def test_intersection_keeps_the_tighter_side_of_each() -> None:
    a = Bounds(lower=(np.array([0.0, -2.0]),), upper=(np.array([3.0, 1.0]),))
    b = Bounds(lower=(np.array([-1.0, -1.0]),), upper=(np.array([2.0, 4.0]),))
    both = a.intersect(b)
    np.testing.assert_array_equal(both.lower[0], [0.0, -1.0])
    np.testing.assert_array_equal(both.upper[0], [2.0, 1.0])


def test_elided_margins_see_that_both_logits_share_the_hidden_unit() -> None:
    # z_0 - z_1 = (h + 0.1) - h = 0.1 for every input, while the logit boxes overlap by the whole ball.
    network = DenseNetwork(
        weights=(np.array([[1.0, 1.0]]), np.array([[1.0], [1.0]])),
        biases=(np.zeros(1), np.array([0.1, 0.0])),
        slopes=(0.0,),
    )
    ball = linf_ball(np.array([0.5, 0.5]), Fraction(1, 4))
    bounds = interval_bounds(network, ball)
    assert interval_margins(bounds, 0)[1] < -0.9  # [1.1, 2.1] - [1, 2]: the boxes forget the shared h
    elided = elided_margins(network, bounds, ball, 0)
    assert elided[0] == np.inf and Fraction(float(elided[1])) <= Fraction(1, 10) and elided[1] > 0.1 - 1e-14


def test_elided_margins_round_the_row_difference_outward() -> None:
    # w_0 - w_1 = 1 - 2**-60 is not a float64; with a = 1 the exact margin is 1 - 2**-60 < 1.
    network = DenseNetwork(weights=(np.array([[1.0], [2.0**-60]]),), biases=(np.zeros(2),), slopes=())
    ball = linf_ball(np.array([1.0]), Fraction(0))
    margin = elided_margins(network, interval_bounds(network, ball), ball, 0)[1]
    assert Fraction(float(margin)) <= 1 - Fraction(2) ** -60
