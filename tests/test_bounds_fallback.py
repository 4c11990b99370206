"""The exact program and branch-and-bound's exact stage: every input of the ball (and the deployed network's
values) is a feasible point of the encoding, and each answer (refuted, a candidate, a timeout, nothing
proven) comes out where it should; max pooling is encoded exactly too."""

import sys
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from certify_networks import boundary_network, dense_network, tiny_network

pytest.importorskip("scipy")

from verified_nn.bounds import MissingSolverError, NodeBounds, Rounding, encode, linear_bounds
from verified_nn.bounds._fallback import DomainOutcome, solve_domain
from verified_nn.certify import linf_ball
from verified_nn.layers import Conv2D, Dense, Flatten, MaxPool2D, ReLU, Reshape
from verified_nn.network import Network, default_network

Array = np.ndarray[Any, Any]
SOUND = Rounding.sound(deployed=np.float32)


def _margin(network: Network[Any, Any], nodes: NodeBounds, row: Array, *, time_limit: float) -> DomainOutcome:
    """Whether ``row . output`` stays positive over the domain (refuted: no input brings it to 0 or below)."""
    return solve_domain(network, nodes, row[np.newaxis], np.zeros(1), time_limit=time_limit)


def _feasible(network: Network[Any, Any], x: Array, eps: Fraction, rng: np.random.Generator) -> None:
    """Every deployed forward pass of points of the ball satisfies the program with the deployed values as
    its node variables (binaries, noise and max-pool choices solved for by a small LP)."""
    from scipy.optimize import linprog
    from scipy.sparse import coo_array

    ball = linf_ball(x, eps)
    nodes = linear_bounds(network, ball.box(), rounding=SOUND)
    program, variables = encode(network, nodes)
    lower, upper, integrality = program.bounds()
    rows, columns, values = program.matrix()
    matrix = coo_array((values, (rows, columns)), shape=(program.rows, program.size)).tocsr()
    low, high = program.limits()
    for _ in range(5):
        point = ball.project(ball.inner_lower + rng.random(x.shape) * (ball.inner_upper - ball.inner_lower))
        fixed_low, fixed_high = lower.copy(), upper.copy()
        value = point[np.newaxis]
        for node, layer in enumerate(network.layers):
            fixed_low[variables[node].ravel()] = fixed_high[variables[node].ravel()] = value.astype(np.float64).ravel()
            value = layer.forward(value)[0]
        fixed_low[variables[-1].ravel()] = fixed_high[variables[-1].ravel()] = value.astype(np.float64).ravel()
        assert np.all(lower <= fixed_low + 1e-12) and np.all(fixed_high <= upper + 1e-12)
        finite_low, finite_high = np.isfinite(low), np.isfinite(high)
        stacked = np.vstack([matrix[finite_high].toarray(), -matrix[finite_low].toarray()])
        limits = np.concatenate([high[finite_high], -low[finite_low]])
        found = linprog(
            np.zeros(program.size),
            A_ub=stacked,
            b_ub=limits + 1e-9,
            bounds=list(zip(fixed_low, fixed_high, strict=True)),
            method="highs",
            integrality=integrality,
        )
        assert found.status == 0, found.message


@pytest.mark.parametrize("slope", [0.0, 0.1])
def test_every_deployed_forward_pass_of_the_ball_is_a_feasible_point_of_the_encoding(slope: float) -> None:
    network = tiny_network(seed=4, widths=(4, 7, 5, 3), slope=slope, dtype=np.float32)
    rng = np.random.default_rng(4)
    _feasible(network, rng.random(4).astype(np.float32), Fraction(1, 5), rng)


def test_a_cnn_with_max_pooling_is_encoded_exactly() -> None:
    rng = np.random.default_rng(5)
    network: Network[Any, Any] = Network(
        (
            Reshape((1, 4, 4)),
            Conv2D.init(2, 1, kernel=2, padding=1, rng=rng),
            MaxPool2D(2, stride=1),
            ReLU(),
            Flatten(),
            Dense.init(3, 32, rng=rng),
        )
    )
    _feasible(network, rng.random(16).astype(np.float32), Fraction(1, 20), rng)
    ball = linf_ball(rng.random(16).astype(np.float32), Fraction(1, 20))
    nodes = linear_bounds(network, ball.box(), rounding=SOUND)
    label = int(network.predict(ball.center[np.newaxis])[0])
    row = np.zeros(3)
    row[label], row[(label + 1) % 3] = 1, -1
    outcome = _margin(network, nodes, row, time_limit=30)
    # The minimum over the ball is at most the margin at any point of it: a candidate reaches that far.
    logits = network.logits(ball.project(ball.inner_lower)[np.newaxis])[0]
    assert outcome.refuted or outcome.candidate is not None
    if outcome.candidate is not None:
        found = network.astype(np.float64).logits(outcome.candidate[np.newaxis])[0]
        assert found[label] - found[(label + 1) % 3] <= max(logits[label] - logits[(label + 1) % 3], 0) + 1e-6


def _hinge_network() -> Network[Any, Any]:
    # z_0 - z_1 = 0.9 - relu(x_0 - 0.2) - relu(x_1 - 0.2): class 0 near (0.3, 0.3), class 1 towards (1, 1).
    return dense_network(
        [np.eye(2), np.array([[-1.0, -1.0], [0.0, 0.0]])], [np.array([-0.2, -0.2]), np.array([0.9, 0.0])], (0.0,)
    )


ROW = np.array([1.0, -1.0])


def test_a_robust_class_is_verified_and_a_reachable_one_gives_its_minimum_as_a_candidate() -> None:
    network, x = _hinge_network(), np.array([0.3, 0.3])
    small, large = linf_ball(x, Fraction(1, 1000)), linf_ball(x, Fraction(1, 2))
    sound = Rounding.sound(deployed=np.float64)  # the network's own dtype
    outcome = _margin(network, linear_bounds(network, small.box(), rounding=sound), ROW, time_limit=10)
    assert outcome.refuted and outcome.candidate is None
    outcome = _margin(network, linear_bounds(network, large.box(), rounding=sound), ROW, time_limit=10)
    assert not outcome.refuted and outcome.candidate is not None and not outcome.timed_out
    assert np.allclose(outcome.candidate, [0.8, 0.8])  # the minimum, 0.9 - 2 * 0.6, is at the far corner


def test_a_margin_the_float_noise_takes_is_not_refuted() -> None:
    """Real margin 1.5 at the only point, but float32 loses the units (deployed margin -0.5): the program's
    noise variables reach below 0."""
    network = boundary_network(ones=2, gap=1.5)
    ball = linf_ball(np.ones(4, dtype=np.float32), Fraction(0))
    outcome = _margin(network, linear_bounds(network, ball.box(), rounding=SOUND), ROW, time_limit=10)
    assert not outcome.refuted


def test_a_hard_problem_with_no_time_times_out() -> None:
    network: Network[Any, Any] = default_network(np.random.default_rng(0))
    ball = linf_ball(np.random.default_rng(0).random(784).astype(np.float32), Fraction(1, 4))
    label = int(network.predict(ball.center[np.newaxis, :])[0])
    row = np.zeros(10)
    row[label], row[(label + 1) % 10] = 1, -1
    nodes = linear_bounds(network, ball.box(), rounding=SOUND)
    program, _ = encode(network, nodes)
    outcome = _margin(network, nodes, row, time_limit=0.01)
    assert not outcome.refuted and (outcome.timed_out or outcome.candidate is not None) and program.binaries > 50


def test_without_scipy_the_exact_stage_says_what_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "scipy.optimize", None)
    network = tiny_network()
    ball = linf_ball(np.zeros(3), Fraction(1, 10))
    nodes = linear_bounds(network, ball.box(), rounding=SOUND)
    with pytest.raises(MissingSolverError):
        _margin(network, nodes, np.array([1.0, -1.0, 0.0]), time_limit=1)


def test_a_program_beyond_the_solver_range_is_not_solved() -> None:
    # HiGHS reads a bound of 1e20 or more as infinite and overflowed bounds as anything: "infeasible" then
    # proves nothing, so such a program is not solved: nothing refuted, no candidate.
    network = dense_network([np.array([[1e16]]), np.array([[1.0], [0.0]])], [np.zeros(1), np.array([1.0, 0.0])], (0.0,))
    x = np.ones(1)
    nodes = linear_bounds(network, linf_ball(x, Fraction(1, 10)).box(), rounding=Rounding.sound(deployed=np.float64))
    program, _ = encode(network, nodes)
    assert not program.in_solver_range() and program.in_solver_range(limit=1e17)
    outcome = _margin(network, nodes, np.array([1.0, -1.0]), time_limit=5.0)
    assert outcome == DomainOutcome(False, None, False)
    small, _ = encode(
        tiny_network(dtype=np.float64),
        linear_bounds(
            tiny_network(dtype=np.float64),
            linf_ball(np.full(3, 0.5), Fraction(1, 10)).box(),
            rounding=Rounding.sound(deployed=np.float64),
        ),
    )
    assert small.in_solver_range()  # one-sided rows (an infinite limit) are in range
