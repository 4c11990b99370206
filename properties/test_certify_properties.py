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

from certify_strategies import RADII, certification_cases, dense_networks, dense_relu_network, seeds
from oracles import brute_force_minimum, exact_margins, exact_pre_activations

from verified_nn.bounds import NodeBounds, Rounding, interval_bounds, linear_bounds, margin_spec, spec_bounds
from verified_nn.bounds._fallback import solve_domain
from verified_nn.certify import (
    COUNTEREXAMPLE,
    FLOAT_UNDECIDED,
    MISCLASSIFIED,
    VERIFIED,
    AttackConfig,
    Ball,
    CertifyConfig,
    certify_image,
    linf_ball,
    pgd_attack,
)
from verified_nn.network import Network

Array = np.ndarray[Any, Any]
Case = tuple[Network[Any, Any], Ball, int]
REAL = Rounding.sound(deployed=None)


def _sound(network: Network[Any, Any]) -> Rounding:
    return Rounding.sound(deployed=network.dtype)


def _dense_nodes(network: Network[Any, Any], nodes: NodeBounds) -> list[tuple[Array, Array]]:
    """The boxes of every dense layer's output (the nodes after each dense layer), first domain."""
    return [
        (nodes.boxes[i + 1].lower[0], nodes.boxes[i + 1].upper[0])
        for i, layer in enumerate(network.layers)
        if type(layer).__name__ == "Dense"
    ]


def _margins(network: Network[Any, Any], nodes: NodeBounds, label: int, *, folded: bool = False) -> Array:
    """Lower bounds on ``z_label - z_j`` in the order of ``j != label``."""
    spec = margin_spec(np.array([label]), network.classes)
    stop = len(network.layers) - 1 if folded else 0
    result: Array = spec_bounds(network, nodes, spec, stop=stop).lower[0]
    return result


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


def _within_all(values: Array, low: Array, high: Array) -> bool:
    return all(
        _within(Fraction(float(v)), lo, hi) for v, lo, hi in zip(values.ravel(), low.ravel(), high.ravel(), strict=True)
    )


@given(certification_cases(), seeds)
def test_bounds_contain_the_real_network_at_points_and_corners_of_the_ball(case: Case, seed: int) -> None:
    """IBP and back-substitution bound every layer and every margin of the real network over the ball."""
    network, ball, label = case
    intervals = interval_bounds(network, ball.box(), rounding=REAL)
    linear = linear_bounds(network, ball.box(), rounding=REAL)
    margin_bounds = (
        _margins(network, intervals, label, folded=True),
        _margins(network, intervals, label),
        _margins(network, linear, label),
    )
    others = [j for j in range(network.classes) if j != label]
    for x in _points(ball, seed):
        for i, layer in enumerate(exact_pre_activations(network, x)):
            for nodes in (intervals, linear):
                low, high = _dense_nodes(network, nodes)[i]
                assert all(_within(v, low[k], high[k]) for k, v in enumerate(layer))
        exact = exact_margins(network, x, label)
        for margins in margin_bounds:
            assert all(Fraction(float(margins[r])) <= exact[j] for r, j in enumerate(others))


@given(certification_cases(), seeds)
def test_the_deployed_network_stays_within_the_float_error_bound_of_the_real_one(case: Case, seed: int) -> None:
    """At every sampled input, the deployed network's every layer lies inside its sound (float-aware) boxes."""
    network, ball, _ = case
    for nodes in (
        interval_bounds(network, ball.box(), rounding=_sound(network)),
        linear_bounds(network, ball.box(), rounding=_sound(network)),
    ):
        for x in _points(ball, seed):
            value = x[np.newaxis]
            for node, layer in enumerate(network.layers, start=1):
                value = layer.forward(value)[0]
                box = nodes.boxes[node]
                assert _within_all(value[0], box.lower[0], box.upper[0]), node


@st.composite
def cancelling_networks(draw: st.DrawFn) -> tuple[Network[Any, Any], Array]:
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
    network = dense_relu_network([w1, w2], [b1, np.zeros(2, np.float32)], draw(st.sampled_from([0.0, 0.1])))
    return network, x


@given(cancelling_networks())
def test_the_float_error_bound_holds_where_rounding_loses_whole_units(case: tuple[Network[Any, Any], Array]) -> None:
    """With terms of 2**16..2**26 cancelling, the deployed and the real logits both lie in the output box."""
    network, x = case
    ball = linf_ball(x, Fraction(0))
    for nodes in (
        interval_bounds(network, ball.box(), rounding=_sound(network)),
        linear_bounds(network, ball.box(), rounding=_sound(network)),
    ):
        deployed = network.logits(x[np.newaxis, :])[0]
        exact = exact_pre_activations(network, x)[-1]
        low, high = nodes.output.lower[0], nodes.output.upper[0]
        assert _within_all(deployed, low, high)
        assert all(_within(v, low[k], high[k]) for k, v in enumerate(exact))


@given(certification_cases())
def test_back_substitution_boxes_are_never_looser_than_intervals(case: Case) -> None:
    """Every node's linear-bound box lies inside its interval box; folding the last layer into the margins
    is never looser than the difference of the logit boxes."""
    network, ball, label = case
    intervals = interval_bounds(network, ball.box(), rounding=REAL)
    linear = linear_bounds(network, ball.box(), rounding=REAL)
    for mine, theirs in zip(linear.boxes, intervals.boxes, strict=True):
        assert np.all(mine.lower >= theirs.lower) and np.all(mine.upper <= theirs.upper)
    others = [j for j in range(network.classes) if j != label]
    boxes = intervals.output.lower[0][label] - intervals.output.upper[0][others]
    assert np.all(_margins(network, intervals, label, folded=True) >= boxes - 1e-12)


@given(certification_cases(radii=RADII[1:]))
def test_the_exact_stage_agrees_with_exhaustive_search_over_activation_patterns(case: Case) -> None:
    """Branch-and-bound's exact program finds the minimum margin (the least of one LP per activation pattern)
    when it is negative, and refutes every class whose minimum clears the solver tolerance."""
    network, ball, label = case
    nodes = linear_bounds(network, ball.box(), rounding=REAL)  # the real network: no noise variables
    for target in range(network.classes):
        if target == label:
            continue
        row = np.zeros(network.classes)
        row[label], row[target] = 1.0, -1.0
        expected = brute_force_minimum(network, ball, label, target)
        outcome = solve_domain(network, nodes, row[np.newaxis], np.zeros(1), time_limit=30)
        if expected < 0:  # a negative minimum is found: the candidate attains it
            assert outcome.candidate is not None and not outcome.refuted, (outcome, expected)
            logits = network.astype(np.float64).logits(outcome.candidate.reshape(1, -1))[0]
            found = logits[label] - logits[target]
            assert abs(found - expected) <= 1e-6 * (1 + abs(expected)), (found, expected)
        elif expected > 1e-6:  # HiGHS prunes at its tolerance, far below this
            assert outcome.refuted, (outcome, expected)


@given(certification_cases(radii=RADII[1:]))
def test_the_complete_verdict_agrees_with_exhaustive_search(case: Case) -> None:
    """Verified only if every pattern's minimum margin is positive; decided whenever it is clearly either."""
    network, ball, label = case
    result = certify_image(network, ball.center, label, CertifyConfig(eps=ball.eps, time_limit=30))
    minimum = min(brute_force_minimum(network, ball, label, j) for j in range(network.classes) if j != label)
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
    network: Network[Any, Any], seed: int, radii: tuple[Fraction, Fraction]
) -> None:
    """A smaller ball has larger interval margins; verified at the larger radius means verified at the smaller,
    and a counterexample at the smaller radius means no certificate at the larger."""
    small, large = radii
    center = np.asarray(np.random.default_rng(seed).random(network.input_shape())).astype(network.dtype)
    label = int(network.predict(center[np.newaxis, :])[0])
    balls = linf_ball(center, small), linf_ball(center, large)
    assert np.all(
        _margins(network, interval_bounds(network, balls[0].box(), rounding=REAL), label, folded=True)
        >= _margins(network, interval_bounds(network, balls[1].box(), rounding=REAL), label, folded=True)
    )
    verdicts = [certify_image(network, center, label, CertifyConfig(eps=b.eps, time_limit=30)).status for b in balls]
    if verdicts[1] == VERIFIED:
        assert verdicts[0] == VERIFIED
    if verdicts[0] == COUNTEREXAMPLE:
        assert verdicts[1] != VERIFIED


@st.composite
def rounding_boundary_networks(draw: st.DrawFn) -> tuple[Network[Any, Any], Array, Fraction]:
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
        return dense_relu_network([w], [bias], 0.0), np.ones(n, dtype=np.float32), gap
    w1 = np.vstack([np.eye(n), np.eye(n)[:1]]).astype(np.float32)  # x, and x_0 again for the unstable neuron
    b1 = np.zeros(n + 1, dtype=np.float32)
    b1[-1] = -np.float32(1 - 1 / 2048)  # x_0 - (1 - 1/2048): unstable when eps > 1/2048
    w2 = np.vstack([np.append(row, 0), np.zeros(n + 1)]).astype(np.float32)
    network = dense_relu_network([w1, w2], [b1, bias], 0.0)
    return network, np.ones(n, dtype=np.float32), gap


@given(rounding_boundary_networks(), st.sampled_from([Fraction(0), Fraction(1, 1000)]))
def test_a_network_on_a_rounding_boundary_is_never_reported_verified(
    case: tuple[Network[Any, Any], Array, Fraction], eps: Fraction
) -> None:
    """The real margin is positive over the ball (a real-arithmetic verifier would certify), yet certify does not."""
    network, x, gap = case
    ball = linf_ball(x, eps)
    if eps == 0:  # the real network's margin is exactly the gap: naive verification would pass
        assert _margins(network, interval_bounds(network, ball.box(), rounding=REAL), 0, folded=True)[0] > 0
        assert exact_margins(network, x, 0)[1] == gap
    result = certify_image(network, x, 0, CertifyConfig(eps=eps))
    assert result.status in (MISCLASSIFIED, COUNTEREXAMPLE, FLOAT_UNDECIDED), result
    if result.status == FLOAT_UNDECIDED:  # the real network is proven; the deployed one's rounding is what stays open
        assert result.margin_bound <= 0 < result.float_error
