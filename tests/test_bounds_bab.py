"""Branch-and-bound: never unsat where a counterexample exists, unsat where the minimum clears the threshold.

The oracle: small ReLU networks of two inputs, evaluated on a fine grid of the box. The grid's smallest
output is attained at a float input, so a threshold above it has a counterexample; the true minimum is
at least the grid's less the network's Lipschitz constant times half the spacing, so a threshold below
that (with room) holds everywhere and must be proven.
"""

import dataclasses
import itertools
import time
from typing import Any, Final

import numpy as np
import pytest
from search_cases import vnnlib_text

from verified_nn.bounds import BabConfig, BabOutcome, branch_and_bound
from verified_nn.layers import Dense, ReLU
from verified_nn.network import Network
from verified_nn.search import SAT, UNSAT, Problem, problems, verify
from verified_nn.spec import parse_vnnlib

GRID = 401


def _network(seed: int, widths: tuple[int, ...] = (2, 12, 12, 1)) -> Network[Any, Any]:
    rng = np.random.default_rng(seed)
    layers: list[Any] = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(widths)):
        weights = rng.normal(size=(n_out, n_in)).astype(np.float32)
        layers.append(Dense(weights=weights, bias=rng.normal(size=n_out).astype(np.float32)))
        if i < len(widths) - 2:
            layers.append(ReLU())
    return Network(tuple(layers))


def _grid_minimum(network: Network[Any, Any]) -> tuple[float, float]:
    """The smallest output on the grid of [-1, 1]^2, and how far below it the true minimum may lie."""
    axis = np.linspace(-1, 1, GRID, dtype=np.float32)
    points = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)
    values = network.logits(points)[:, 0]
    lipschitz = 1.0
    for layer in network.layers:
        if isinstance(layer, Dense):
            lipschitz *= float(np.abs(layer.weights).sum(axis=1).max())
    return float(values.min()), lipschitz * (2 / (GRID - 1)) / 2


def _decide(
    network: Network[Any, Any], problem: Problem, seconds: float, config: BabConfig | None = None
) -> BabOutcome:
    """Branch-and-bound on a VNNLIB region, counterexamples checked by the region itself."""
    return branch_and_bound(
        network,
        problem,
        deadline=time.monotonic() + seconds,
        check=lambda x: problem.counterexample(network, x),
        config=config,
    )


def _below(threshold: float) -> str:
    """The violation ``Y_0 <= threshold``, written exactly."""
    return f"(<= Y_0 {threshold!r})"


@pytest.mark.parametrize("seed", range(6))
def test_a_threshold_above_the_grid_minimum_is_never_unsat(seed: int) -> None:
    network = _network(seed)
    low, _ = _grid_minimum(network)
    spec = parse_vnnlib(vnnlib_text([-1, -1], [1, 1], 1, _below(low + 1e-3)))
    [problem] = problems(network, spec)
    outcome = _decide(network, problem, 20)
    assert outcome.result in (SAT, "timeout")
    if outcome.result == SAT:
        assert outcome.example is not None and spec.violated_by(
            outcome.example, network.logits(outcome.example[None])[0]
        )


@pytest.mark.parametrize("seed", range(6))
def test_a_threshold_clearly_below_the_true_minimum_is_proven(seed: int) -> None:
    network = _network(seed)
    low, slack = _grid_minimum(network)
    spec = parse_vnnlib(vnnlib_text([-1, -1], [1, 1], 1, _below(low - slack - 0.05)))
    [problem] = problems(network, spec)
    outcome = _decide(network, problem, 60, BabConfig(batch=16))
    assert outcome.result == UNSAT


def _two_outputs(seed: int) -> tuple[Network[Any, Any], list[tuple[float, float]]]:
    """A network of two outputs, and each output's grid minimum with its slack (as :func:`_grid_minimum`)."""
    network = _network(seed, (2, 10, 10, 2))
    minima = []
    for j in range(2):
        row = np.zeros((1, 2), dtype=np.float32)
        row[0, j] = 1
        one = Network((*network.layers, Dense(weights=row, bias=np.zeros(1, dtype=np.float32))))
        minima.append(_grid_minimum(one))
    return network, minima


# ReLU splitting only (no input halving, no program): the one tree of both conjunctions is what decides.
SPLITTING: Final = BabConfig(batch=16, input_split=0, exact_network=0, exact_below=-1)


@pytest.mark.parametrize("exact", [False, True], ids=["splitting", "programs"])
@pytest.mark.parametrize("seed", range(4))
def test_conjunctions_refuted_on_different_domains_are_proven_by_one_tree(seed: int, exact: bool) -> None:
    if exact:
        pytest.importorskip("scipy")
    network, [(low0, slack0), (low1, slack1)] = _two_outputs(seed)
    condition = f"(or (and {_below(low0 - slack0 - 0.05)}) (and (<= Y_1 {low1 - slack1 - 0.05!r})))"
    [problem] = problems(network, parse_vnnlib(vnnlib_text([-1, -1], [1, 1], 2, condition)))
    # With programs, each domain of few unstable values is solved once for every conjunction open on it.
    config = dataclasses.replace(SPLITTING, exact_below=6) if exact else SPLITTING
    outcome = _decide(network, problem, 60, config)
    assert outcome.result == UNSAT
    assert outcome.domains > 1  # the root alone did not prove it: the tree did


@pytest.mark.parametrize("seed", range(4))
def test_one_met_conjunction_among_refuted_ones_is_never_unsat(seed: int) -> None:
    network, [(low0, slack0), (low1, _)] = _two_outputs(seed)
    condition = f"(or (and {_below(low0 - slack0 - 0.05)}) (and (<= Y_1 {low1 + 1e-3!r})))"
    spec = parse_vnnlib(vnnlib_text([-1, -1], [1, 1], 2, condition))
    [problem] = problems(network, spec)
    outcome = _decide(network, problem, 20, SPLITTING)
    assert outcome.result in (SAT, "timeout")
    if outcome.result == SAT:
        assert outcome.example is not None
        assert spec.violated_by(outcome.example, network.logits(outcome.example[None])[0])


def test_a_domain_stops_its_ascent_once_every_conjunction_has_a_row_past_its_target() -> None:
    from verified_nn.bounds._beta import _met

    lower = np.array([[1.0, -1.0, -1.0], [1.0, -1.0, 2.0], [-1.0, -1.0, -1.0]])
    goal = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [-np.inf, 0.0, -np.inf]])
    assert _met(lower, goal, None).tolist() == [True, True, True]  # one group: any row will do
    assert _met(lower, goal, np.array([0, 0, 1])).tolist() == [False, True, True]


def test_a_conjunction_refuted_on_a_parent_stays_refuted_and_the_worst_open_one_leads() -> None:
    from verified_nn.bounds._domains import Tree

    network, _ = _two_outputs(0)
    condition = "(or (and (<= Y_0 0) (<= Y_1 0)) (and (<= Y_1 1)) (and (<= Y_0 2)))"
    [problem] = problems(network, parse_vnnlib(vnnlib_text([-1, -1], [1, 1], 2, condition)))
    tree = Tree(network, problem, np.arange(4), precision="float32")
    assert list(tree.groups) == [0, 0, 1, 2]
    bounds = np.array(
        [
            [-1.0, -0.5, -2.0, 0.5],  # conjunction 2 refuted now; 1 (-2) is worse than 0 (its best row: -0.5)
            [-1.0, -3.0, -2.0, -4.0],  # 1 refuted by the parent: 2 (-4) is the worst open one
            [0.5, -1.0, 1.0, -4.0],  # 0 and 1 refuted now, 2 by the parent: closed
        ]
    )
    parents = np.array([[False, False, False], [False, True, False], [False, False, True]])
    refuted, scores, leading = tree.standing(bounds, parents)
    assert refuted.tolist() == [[False, False, True], [False, True, False], [True, True, True]]
    assert scores.tolist() == [-2.0, -4.0, np.inf]
    assert leading[:2].tolist() == [2, 3]


def test_verify_proves_what_only_splitting_proves_and_says_how() -> None:
    # |x| >= 0 written as relu(x) + relu(-x): the relaxation of each ReLU alone loses 0.25 at x = 0.
    absolute: Network[Any, Any] = Network(
        (
            Dense(weights=np.array([[1.0], [-1.0]], dtype=np.float32), bias=np.zeros(2, dtype=np.float32)),
            ReLU(),
            Dense(weights=np.array([[1.0, 1.0]], dtype=np.float32), bias=np.zeros(1, dtype=np.float32)),
        )
    )
    spec = parse_vnnlib(vnnlib_text([-1], [1], 1, "(<= Y_0 -0.001)"))
    verdict = verify(absolute, spec, timeout=30)
    assert verdict.result == UNSAT
    tie = parse_vnnlib(vnnlib_text([-1], [1], 1, "(<= Y_0 0)"))  # met exactly at x = 0
    assert verify(absolute, tie, timeout=30).result == SAT


def test_a_program_that_cannot_decide_a_domain_leaves_it_to_splitting(monkeypatch: pytest.MonkeyPatch) -> None:
    import verified_nn.bounds._bab as bab
    from verified_nn.bounds._fallback import DomainOutcome

    calls = []

    def undecided(*args: Any, **kwargs: Any) -> DomainOutcome:
        calls.append(1)
        return DomainOutcome(refuted=False, candidate=None, timed_out=True)

    monkeypatch.setattr(bab, "solve_domain", undecided)
    network = _network(1)
    low, slack = _grid_minimum(network)
    spec = parse_vnnlib(vnnlib_text([-1, -1], [1, 1], 1, _below(low - slack - 0.05)))
    [problem] = problems(network, spec)
    # Every domain is small enough for the program, the program never decides: splitting must carry on.
    config = BabConfig(batch=16, input_split=0, exact_network=0, exact_below=1000)
    outcome = _decide(network, problem, 60, config)
    assert outcome.result == UNSAT
    assert len(calls) == 1  # after one undecided program the tree only splits


def test_a_domain_whose_bound_charges_no_relaxation_is_split_where_its_box_is_widest() -> None:
    from verified_nn.bounds import Box, linear_bounds, split_bounds
    from verified_nn.bounds._domains import Tree

    # Both hidden values straddle 0 but the output ignores them: no relaxation costs the bound anything.
    network: Network[Any, Any] = Network(
        (
            Dense(weights=np.array([[1.0], [-2.0]], dtype=np.float32), bias=np.zeros(2, dtype=np.float32)),
            ReLU(),
            Dense(weights=np.zeros((1, 2), dtype=np.float32), bias=np.zeros(1, dtype=np.float32)),
        )
    )
    spec = parse_vnnlib(vnnlib_text([-1], [1], 1, "(<= Y_0 0.5)"))
    [problem] = problems(network, spec)
    tree = Tree(network, problem, np.arange(1), precision="float32")
    nodes = linear_bounds(network, Box(problem.outer_lower[None], problem.outer_upper[None]), rounding=tree.rounding)
    found = split_bounds(network, nodes, problem.matrix)
    assert not np.any(found.costs[1]) and not np.any(found.backup[1])
    [domain] = tree.domains(nodes, found, [{}], np.zeros((1, 1), dtype=bool))
    assert domain is not None and domain.choice == (1, 1)  # the second value's box, [-2, 2], is the wider


class _Clock:
    """``time`` for the bound walker: the real clock, until ``after`` readings have been taken, then a day later."""

    def __init__(self, after: int) -> None:
        self.after, self.readings = after, 0

    def monotonic(self) -> float:
        self.readings += 1
        return time.monotonic() + (86400.0 if self.readings > self.after else 0.0)


def test_a_bound_pass_stops_at_the_deadline_and_the_search_answers_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    # On VNN-COMP's cifar_biasfield a run took 98 s of a 5 s limit inside single bound passes: the walker now
    # reads the clock before each layer and each chunk of rows, and branch-and-bound turns that into timeout.
    import verified_nn.bounds._walk as walk
    from verified_nn.bounds import Box, OutOfTimeError, Rounding, linear_bounds
    from verified_nn.bounds._inputs import split_inputs

    network = _network(1)
    low, slack = _grid_minimum(network)
    spec = parse_vnnlib(vnnlib_text([-1, -1], [1, 1], 1, _below(low - slack - 0.05)))
    [problem] = problems(network, spec)
    assert _decide(network, problem, 60, BabConfig(batch=16)).result == UNSAT  # in time, proven
    box, rounding = Box(-np.ones((1, 2)), np.ones((1, 2))), Rounding.sound(deployed=np.float32)
    monkeypatch.setattr(walk, "time", _Clock(after=1))  # the deadline passes after the first layer
    with pytest.raises(OutOfTimeError):
        linear_bounds(network, box, rounding=rounding, deadline=time.monotonic() + 60)
    clock = _Clock(after=1)
    monkeypatch.setattr(walk, "time", clock)
    assert linear_bounds(network, box, rounding=rounding).domains == 1
    assert clock.readings == 0  # no deadline: the clock is not read
    monkeypatch.setattr(walk, "time", _Clock(after=0))
    outcome = _decide(network, problem, 60, BabConfig(batch=16))
    assert (outcome.result, outcome.domains) == ("timeout", 0)
    check = lambda x: problem.counterexample(network, x)  # noqa: E731
    rows = np.arange(len(problem.bound))
    assert split_inputs(network, problem, rows, deadline=time.monotonic() + 60, check=check)[0] == "timeout"
