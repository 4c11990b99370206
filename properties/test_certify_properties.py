"""Certification: the bounds contain the real network, back-substitution is never looser than intervals, the
exact verifier agrees with exhaustive search, a verified image survives a strong attack, verdicts are
monotone in eps, and the float rounding of the deployed network is honoured."""

import itertools
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from hypothesis import given, strategies as st

pytest.importorskip("scipy")

from certify_strategies import RADII, certification_cases, dense_networks, seeds
from oracles import brute_force_minimum, exact_margins, exact_pre_activations

from verified_nn.certify import (
    COUNTEREXAMPLE,
    FLOAT_UNDECIDED,
    MISCLASSIFIED,
    VERIFIED,
    AttackConfig,
    Ball,
    CertifyConfig,
    DenseNetwork,
    certify_image,
    elided_margins,
    forward_error,
    interval_bounds,
    interval_margins,
    linear_bounds,
    linear_margins,
    linf_ball,
    minimum_margin,
    pgd_attack,
    required_margins,
)

Array = np.ndarray[Any, Any]
Case = tuple[DenseNetwork, Ball, int]
STRONG = AttackConfig(restarts=40, steps=100)


def _points(ball: Ball, seed: int, count: int = 24) -> Array:
    """The centre, random points of the ball and its corners (all of them up to 4 inputs), in the dtype."""
    rng = np.random.default_rng(seed)
    n = len(ball.center)
    random = ball.project(ball.inner_lower + rng.random((count, n)) * (ball.inner_upper - ball.inner_lower))
    signs = np.array(list(itertools.product((-1, 1), repeat=n))) if n <= 4 else rng.choice((-1, 1), size=(16, n))
    return np.vstack([ball.center[np.newaxis, :], random, ball.corners(signs)])


def _within(value: Fraction, low: float, high: float) -> bool:
    return Fraction(float(low)) <= value <= Fraction(float(high))


@given(certification_cases(), seeds)
def test_bounds_contain_the_real_network_at_points_and_corners_of_the_ball(case: Case, seed: int) -> None:
    """IBP and back-substitution bound every layer and every margin of the real network over the ball."""
    network, ball, label = case
    intervals = interval_bounds(network, ball)
    linear = linear_bounds(network, ball, intervals=intervals)
    margin_bounds = (
        interval_margins(intervals, label),
        elided_margins(network, intervals, ball, label),
        linear_margins(network, ball, label, linear),
    )
    for x in _points(ball, seed):
        for i, layer in enumerate(exact_pre_activations(network, x)):
            for bounds in (intervals, linear):
                assert all(_within(v, bounds.lower[i][k], bounds.upper[i][k]) for k, v in enumerate(layer))
        exact = exact_margins(network, x, label)
        for margins in margin_bounds:
            assert all(Fraction(float(margins[j])) <= exact[j] for j in range(len(exact)) if j != label)


@given(certification_cases(), seeds)
def test_the_deployed_network_stays_within_the_float_error_bound_of_the_real_one(case: Case, seed: int) -> None:
    """At every sampled input, |deployed logit - real logit| <= the forward-error bound of that logit."""
    network, ball, _ = case
    errors = forward_error(network, interval_bounds(network, ball), ball)
    for x in _points(ball, seed):
        deployed = network.logits(x[np.newaxis, :])[0]
        exact = exact_pre_activations(network, x)[-1]
        assert all(abs(Fraction(float(deployed[k])) - v) <= Fraction(float(errors[k])) for k, v in enumerate(exact))


@st.composite
def cancelling_networks(draw: st.DrawFn) -> tuple[DenseNetwork, Array]:
    """Float32 networks whose first layer adds terms of very different sizes that cancel, with biases that
    put the real pre-activations within a unit or two of 0: rounding bites, and can flip a neuron's sign."""
    rng = np.random.default_rng(draw(seeds))
    n, hidden = draw(st.integers(3, 12)), draw(st.integers(1, 4))
    big = np.float32(2.0 ** draw(st.integers(16, 26)))
    w1 = rng.normal(0, 2, (hidden, n)).astype(np.float32)
    w1[:, 0], w1[:, -1] = big, -big  # x_0 = x_last = 1, so the big terms cancel in the real network
    x = rng.random(n).astype(np.float32)
    x[0] = x[-1] = 1
    middle = w1[:, 1:-1].astype(np.float64) @ x[1:-1].astype(np.float64)
    b1 = (-middle + rng.choice([-1.5, -0.5, -0.25, 0.25, 0.5], hidden)).astype(np.float32)
    w2 = rng.normal(0, 1, (2, hidden)).astype(np.float32)
    network = DenseNetwork(
        weights=(w1, w2), biases=(b1, np.zeros(2, np.float32)), slopes=(draw(st.sampled_from([0.0, 0.1])),)
    )
    return network, x


@given(cancelling_networks())
def test_the_float_error_bound_holds_where_rounding_loses_whole_units(case: tuple[DenseNetwork, Array]) -> None:
    """With terms of 2**16..2**26 cancelling, the deployed logits still lie within the bound of the real ones."""
    network, x = case
    ball = linf_ball(x, Fraction(0))
    errors = forward_error(network, interval_bounds(network, ball), ball)
    deployed = network.logits(x[np.newaxis, :])[0]
    exact = exact_pre_activations(network, x)[-1]
    assert all(abs(Fraction(float(deployed[k])) - v) <= Fraction(float(errors[k])) for k, v in enumerate(exact))


@given(certification_cases())
def test_back_substitution_is_never_looser_than_intervals(case: Case) -> None:
    """Every layer's linear bounds lie inside its interval bounds, and so do the margin bounds."""
    network, ball, label = case
    intervals = interval_bounds(network, ball)
    linear = linear_bounds(network, ball, intervals=intervals)
    for i in range(len(network.weights)):
        assert np.all(linear.lower[i] >= intervals.lower[i]) and np.all(linear.upper[i] <= intervals.upper[i])
    assert np.all(linear_margins(network, ball, label, linear) >= interval_margins(intervals, label))
    assert np.all(elided_margins(network, intervals, ball, label) >= interval_margins(intervals, label))


@given(certification_cases(radii=RADII[1:]))
def test_the_milp_minimum_agrees_with_exhaustive_search_over_activation_patterns(case: Case) -> None:
    """HiGHS's minimum margin equals the least of one LP per activation pattern, for every other class."""
    network, ball, label = case
    bounds = linear_bounds(network, ball)
    for target in range(network.widths[-1]):
        if target == label:
            continue
        # A huge float allowance puts the cutoff out of reach, so HiGHS returns the minimum itself.
        outcome = minimum_margin(network, ball, label, target, bounds, float_error=1e6, time_limit=30)
        expected = brute_force_minimum(network, ball, label, target)
        assert abs(outcome.value - expected) <= 1e-6 * (1 + abs(expected)), (outcome, expected)


@given(certification_cases(radii=RADII[1:]))
def test_the_complete_verdict_agrees_with_exhaustive_search(case: Case) -> None:
    """Verified only if every pattern's minimum margin is positive; decided whenever it is clearly either."""
    network, ball, label = case
    result = certify_image(network, ball.center, label, CertifyConfig(eps=ball.eps, time_limit=30))
    minimum = min(brute_force_minimum(network, ball, label, j) for j in range(network.widths[-1]) if j != label)
    if result.status == VERIFIED:
        assert minimum > 0
    if minimum > result.float_error + 1e-3:
        assert result.status == VERIFIED, (result, minimum)
    if minimum < -1e-3:
        assert result.status == COUNTEREXAMPLE, (result, minimum)
    if result.status == COUNTEREXAMPLE:
        assert result.counterexample is not None and ball.contains(result.counterexample)
        assert int(network.predict(result.counterexample[np.newaxis, :])[0]) == result.counterexample_class != label


@given(certification_cases(radii=RADII[1:]), seeds)
def test_a_verified_image_has_no_counterexample_under_a_strong_attack(case: Case, seed: int) -> None:
    """40 restarts of 100 PGD steps, random points and every corner keep the deployed prediction."""
    network, ball, label = case
    result = certify_image(network, ball.center, label, CertifyConfig(eps=ball.eps, time_limit=30))
    if result.status != VERIFIED:
        return
    assert pgd_attack(network, ball, label, config=STRONG, seed=seed).example is None
    predictions = network.predict(_points(ball, seed, count=200))
    assert np.all(predictions == label)


@given(dense_networks(), seeds, st.sampled_from(list(itertools.combinations(RADII, 2))))
def test_verdicts_and_bounds_are_monotone_in_eps(
    network: DenseNetwork, seed: int, radii: tuple[Fraction, Fraction]
) -> None:
    """A smaller ball has larger interval margins; verified at the larger radius means verified at the smaller,
    and a counterexample at the smaller radius means no certificate at the larger."""
    small, large = radii
    center = np.random.default_rng(seed).random(network.widths[0]).astype(network.dtype)
    label = int(network.predict(center[np.newaxis, :])[0])
    balls = linf_ball(center, small), linf_ball(center, large)
    assert np.all(
        interval_margins(interval_bounds(network, balls[0]), label)
        >= interval_margins(interval_bounds(network, balls[1]), label)
    )
    verdicts = [certify_image(network, center, label, CertifyConfig(eps=b.eps, time_limit=30)).status for b in balls]
    if verdicts[1] == VERIFIED:
        assert verdicts[0] == VERIFIED
    if verdicts[0] == COUNTEREXAMPLE:
        assert verdicts[1] != VERIFIED


@st.composite
def rounding_boundary_networks(draw: st.DrawFn) -> tuple[DenseNetwork, Array, Fraction]:
    """A class-0 logit ``B + (1 + ... + 1) - B`` with ``B = 2**k`` at the float32 precision limit, and class 1
    a constant below the real class-0 logit: the real margin is positive, but float32 can drop some of the
    ones, so the deployed network may keep class 0 by a sliver or lose it. Optionally behind a hidden ReLU
    layer that passes the input through, plus one neuron that is unstable over the ball (so the MILP has a
    binary). Returns the network, the input (all ones) and the real margin at that input."""
    ones = draw(st.integers(1, 6))
    big = 2.0 ** draw(st.integers(23, 30))
    gap = Fraction(draw(st.integers(1, 8 * ones + 4)), 8)  # the real margin: 1/8 .. ones + 1/2
    n = ones + 2
    row = np.array([big] + [1.0] * ones + [-big])
    bias = np.array([0, float(ones - gap)], dtype=np.float32)
    if not draw(st.booleans()):
        w = np.vstack([row, np.zeros(n)]).astype(np.float32)
        return DenseNetwork(weights=(w,), biases=(bias,), slopes=()), np.ones(n, dtype=np.float32), gap
    w1 = np.vstack([np.eye(n), np.eye(n)[:1]]).astype(np.float32)  # x, and x_0 again for the unstable neuron
    b1 = np.zeros(n + 1, dtype=np.float32)
    b1[-1] = -np.float32(1 - 1 / 2048)  # x_0 - (1 - 1/2048): unstable when eps > 1/2048
    w2 = np.vstack([np.append(row, 0), np.zeros(n + 1)]).astype(np.float32)
    network = DenseNetwork(weights=(w1, w2), biases=(b1, bias), slopes=(0.0,))
    return network, np.ones(n, dtype=np.float32), gap


@given(rounding_boundary_networks(), st.sampled_from([Fraction(0), Fraction(1, 1000)]))
def test_a_network_on_a_rounding_boundary_is_never_reported_verified(
    case: tuple[DenseNetwork, Array, Fraction], eps: Fraction
) -> None:
    """The real margin is positive over the ball (a real-arithmetic verifier would certify), yet certify does not."""
    network, x, gap = case
    ball = linf_ball(x, eps)
    if eps == 0:  # the real network's margin is exactly the gap: naive verification would pass
        assert interval_margins(interval_bounds(network, ball), 0)[1] > 0
        assert exact_margins(network, x, 0)[1] == gap
    result = certify_image(network, x, 0, CertifyConfig(eps=eps))
    assert result.status in (MISCLASSIFIED, COUNTEREXAMPLE, FLOAT_UNDECIDED), result
    if result.status == FLOAT_UNDECIDED:
        needed = required_margins(forward_error(network, interval_bounds(network, ball), ball), 0)
        assert needed[1] >= float(gap)
