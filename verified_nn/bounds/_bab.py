"""Branch-and-bound over unstable ReLUs: split, re-bound with the bound core, prune, best domain first.

A *domain* is the query's box with some ReLU inputs fixed to ``>= 0`` or ``<= 0`` (split constraints,
per node). Its bounds on the violations ``v_r = C_r . y - d_r`` come from the bound core, float-sound
(they cover the real network and the deployed one at once): the unstable values after a split are
re-bounded (CROWN, the split constraints clipping the boxes), then the rows are bounded with the split
constraints inside the bound (beta-CROWN, :func:`verified_nn.bounds.split_bounds`), slopes and
multipliers optimised and warm-started from the parent. A conjunction is refuted on a domain when one of
its rows has a positive lower bound there; the query is ``unsat`` when every conjunction is refuted on
every domain. The root is bounded once for all rows (alpha-CROWN, hidden layers included); each
conjunctions it leaves open share one tree (:class:`Tree`: a split's re-bounded boxes serve them all).
Each round takes the ``batch`` open domains with the lowest score and splits each where its candidates'
children are best (:meth:`Tree.select`); the inputs where the children's linear bounds are lowest are
tried as counterexamples. A domain with few unstable values left, or none worth splitting, is decided
exactly as a mixed-integer program for each conjunction open on it (``_fallback.py``).
"""

import dataclasses
import heapq
import time
from collections.abc import Callable
from typing import Any, Final, TypeAlias

import numpy as np

from verified_nn.network import Network

from ._beta import SplitBounds, split_bounds
from ._box import Box
from ._domains import Domain, Tree
from ._errors import BoundsError, OutOfTimeError
from ._fallback import solve_domain
from ._inputs import split_inputs
from ._query import Check, Query
from ._rounding import Rounding
from ._rule import Context
from ._solve import MissingSolverError
from ._walk import NodeBounds, linear_bounds

Array: TypeAlias = np.ndarray[Any, Any]
ROOT_LIMIT: Final = 1024  # hidden layers wider than this are tightened at the root only where unstable


@dataclasses.dataclass(frozen=True)
class BabConfig:
    """How branch-and-bound spends its time."""

    batch: int = 64  # domains split per round (twice as many children bounded in one pass)
    root_iterations: int = 30  # alpha-CROWN steps at the root
    root_intermediate: int = 10  # alpha-CROWN steps for every hidden layer's bounds at the root
    iterations: int = 64  # alpha-beta-CROWN steps for each round's children (mnist_fc 256x4: fewer domains pay)
    max_domains: int = 200_000  # open domains kept at most (memory); beyond, the search gives up
    precision: str = "float32"  # the dtype the bounds compute in, at least the network's (rounded outward either way)
    exact_below: int = 12  # a domain with at most this many unstable ReLUs left is solved as a MILP
    exact_seconds: float = 20.0  # time for each such program
    intermediate: bool = True  # re-bound the unstable values after each split (tighter boxes, slower rounds)
    # Choose each split among several by the children's bounds (else the costliest); when the root's slopes
    # re-bound the children's hidden layers, the split is the earliest layer's costliest value instead.
    compare: bool = True
    input_split: int = 16  # networks with at most this many inputs halve the input box instead of splitting ReLUs
    exact_network: int = 40  # with at most this many unstable ReLUs at the root, a MILP is tried first


@dataclasses.dataclass(frozen=True)
class BabOutcome:
    """``result`` is "unsat", "sat", "timeout" or "unknown"."""

    result: str
    domains: int  # domains bounded
    example: Array | None = None  # a counterexample (sat)
    outputs: Array | None = None
    note: str = ""


def _grow(tree: Tree, config: BabConfig, deadline: float, check: Check, bounded: list[int]) -> BabOutcome | None:
    """Run the tree until it is empty (None: every conjunction refuted everywhere), or another outcome."""
    network, query = tree.network, tree.query
    exact_below = config.exact_below  # lowered for good once a program runs out of time on a splittable domain
    while tree.queue:
        if time.monotonic() > deadline:
            return BabOutcome("timeout", bounded[0])
        if len(tree.queue) > config.max_domains:
            return BabOutcome("unknown", bounded[0], note="too many open domains")
        popped = [heapq.heappop(tree.queue)[2] for _ in range(min(config.batch, len(tree.queue)))]
        parents = []
        for domain in popped:
            if domain.choice is not None and domain.unstable > exact_below:
                parents.append(domain)
                continue
            outcome = _exactly(tree, domain, config.exact_seconds, deadline, check)
            if outcome is None:
                continue
            if outcome[0] == "unknown" and domain.choice is not None:  # splitting may still settle it
                exact_below = -1
                parents.append(domain)
                continue
            return BabOutcome(outcome[0], bounded[0], example=outcome[1], outputs=outcome[2], note=outcome[3])
        if not parents:
            continue
        if config.compare:
            tree.select(parents)
            if time.monotonic() > deadline:  # a round's stages each take a while: the limit is checked between
                return BabOutcome("timeout", bounded[0])
        nodes, splits, kids = tree.children(parents)
        if config.intermediate:
            first = min(p.choice[0] for p in parents if p.choice is not None) + 1
            box = Box(
                np.repeat(nodes.boxes[0].lower[:1], nodes.domains, 0),
                np.repeat(nodes.boxes[0].upper[:1], nodes.domains, 0),
            )
            nodes = linear_bounds(
                network,
                box,
                rounding=tree.rounding,
                splits=splits,
                known=nodes,
                reuse=first,
                limit=0,
                slopes=tree.slopes,
                deadline=deadline,
            )
        if time.monotonic() > deadline:
            return BabOutcome("timeout", bounded[0])
        slopes, betas = tree.warm(parents, splits)
        refuted = tree.refuted(parents)
        spec = query.matrix[tree.rows]
        found = split_bounds(
            network,
            nodes,
            spec,
            splits=splits,
            iterations=config.iterations,
            slopes=slopes,
            betas=betas,
            deadline=deadline,
            target=tree.target(nodes, refuted),
            groups=tree.groups,
        )
        bounded[0] += nodes.domains
        candidates = np.clip(found.corner.reshape(-1, len(query.lower)).astype(query.dtype), query.lower, query.upper)
        objective, _ = query.objective(np.asarray(network.logits(candidates)))
        for row in np.flatnonzero(objective.min(axis=1) <= 0):
            outputs = check(candidates[row])
            if outputs is not None:
                return BabOutcome("sat", bounded[0], example=candidates[row], outputs=outputs)
        for child in tree.domains(nodes, found, kids, refuted):
            if child is not None:
                tree.push(child)
    return None


def _exactly(
    tree: Tree, domain: Domain, seconds: float, deadline: float, check: Check
) -> tuple[str, Any, Any, str] | None:
    """Solve one domain as a program for each conjunction open on it: None when each has a row refuted
    there, else the first other outcome for the search."""
    for k in np.flatnonzero(~domain.refuted):
        outcome = _program(tree, tree.rows[tree.groups == k], domain, seconds, deadline, check)
        if outcome is not None:
            return outcome
    return None


def _program(
    tree: Tree, rows: Array, domain: Domain, seconds: float, deadline: float, check: Check
) -> tuple[str, Any, Any, str] | None:
    """Solve one domain as a program for the conjunction of ``rows``: None when a row is refuted on it."""
    query = tree.query
    boxes = tuple(
        Box(low[np.newaxis].astype(np.float64), high[np.newaxis].astype(np.float64)) for low, high in domain.boxes
    )
    rounding = Rounding.sound(deployed=tree.network.dtype)
    nodes = NodeBounds(boxes, rounding, tuple(Context(rounding) for _ in boxes))
    magnitude = nodes.output.magnitude().reshape(-1)
    slack = np.nextafter(2 * (query.slack[rows] @ magnitude), np.inf)
    bounds = np.nextafter(query.bound[rows] + slack, np.inf)  # what each row's minimum must clear
    left = deadline - time.monotonic()
    if left <= 0:
        return "timeout", None, None, ""
    try:
        found = solve_domain(tree.network, nodes, query.matrix[rows], bounds, time_limit=min(left, seconds))
    except MissingSolverError:
        raise
    except BoundsError as error:  # a layer without an exact encoding (tanh, sigmoid): splitting goes on
        return "unknown", None, None, f"no exact program: {error}"
    if found.refuted:
        return None
    if found.candidate is not None:
        x = np.clip(found.candidate.astype(query.dtype), query.lower, query.upper)
        outputs = check(x)
        if outputs is not None:
            return "sat", x, outputs, "milp"
    if found.timed_out and time.monotonic() > deadline:
        return "timeout", None, None, ""
    return "unknown", None, None, "a domain the exact program could not decide"


def branch_and_bound(
    network: Network[Any, Any],
    query: Query,
    *,
    deadline: float,
    check: Check,
    config: BabConfig | None = None,
    attack_from: Callable[[Array], tuple[Array, Array] | None] | None = None,
) -> BabOutcome:
    """Decide ``query`` (module docstring) before ``deadline`` (``time.monotonic``).

    ``check(x)`` returns the outputs at a candidate input (in the network's dtype, inside the box) when it is
    a confirmed counterexample, None otherwise. ``attack_from(corners)``, called once the
    root is bounded with the inputs where its rows' linear bounds are lowest, may return a counterexample
    ``(x, outputs)`` found from there. A bound pass that reaches ``deadline`` is abandoned: ``timeout``.
    """
    bounded = [0]
    try:
        return _decide(network, query, deadline, check, config or BabConfig(), attack_from, bounded)
    except OutOfTimeError:
        return BabOutcome("timeout", bounded[0])


def _decide(
    network: Network[Any, Any],
    query: Query,
    deadline: float,
    check: Check,
    settings: BabConfig,
    attack_from: Callable[[Array], tuple[Array, Array] | None] | None,
    bounded: list[int],
) -> BabOutcome:
    """:func:`branch_and_bound`'s work; ``bounded[0]`` counts the domains bounded so far."""
    precision = str(np.promote_types(settings.precision, network.dtype))  # float32 bounds of a float64 network lose
    everything = Tree(network, query, np.arange(len(query.bound)), precision=precision)
    box = Box(query.outer_lower[np.newaxis], query.outer_upper[np.newaxis])
    start = time.monotonic()
    # Wide layers are tightened where unstable only; alpha-CROWN on the hidden layers when it fits the time.
    nodes = linear_bounds(network, box, rounding=everything.rounding, limit=ROOT_LIMIT, deadline=deadline)
    crown = time.monotonic() - start
    if settings.root_intermediate and crown * 4 * (settings.root_intermediate + 1) < deadline - time.monotonic():
        nodes = linear_bounds(
            network,
            box,
            rounding=everything.rounding,
            limit=ROOT_LIMIT,
            known=nodes,
            optimise=settings.root_intermediate,
            deadline=deadline,
        )
    found = split_bounds(network, nodes, query.matrix, iterations=settings.root_iterations, deadline=deadline)
    bounds = everything.violations(found, nodes)[0]  # (rows,)
    bounded[0] = 1
    open_conjuncts = [k for k in range(query.conjuncts) if not np.any(bounds[query.conjunct == k] > 0)]
    if not open_conjuncts:
        return BabOutcome("unsat", bounded[0])
    corners = np.clip(found.corner[0].astype(query.dtype), query.lower, query.upper)
    hit = attack_from(corners) if attack_from is not None else None
    if hit is not None:
        return BabOutcome("sat", bounded[0], example=hit[0], outputs=hit[1], note="attack")
    unstable = sum(int(np.sum((box.lower < 0) & (box.upper > 0))) for box in nodes.boxes[1:-1])
    # Easiest conjunction first: each refuted one leaves the rest of the time to the harder ones.
    few_inputs = len(query.lower) <= settings.input_split
    searched = []  # the conjunctions left to the tree
    for k in sorted(open_conjuncts, key=lambda k: -float(bounds[query.conjunct == k].max())):
        rows = np.flatnonzero(query.conjunct == k)
        if unstable <= settings.exact_network and not few_inputs:  # a small program may settle it at once
            whole = Domain(
                0.0,
                {},
                tuple((b.lower[0], b.upper[0]) for b in nodes.boxes),
                None,
                [],
                unstable,
                {},
                {},
                np.zeros(1, bool),
            )
            budget = (deadline - time.monotonic()) / 3
            solved = _exactly(Tree(network, query, rows, precision="float64"), whole, budget, deadline, check)
            if solved is None:
                continue
            if solved[0] == "sat":
                return BabOutcome("sat", bounded[0], example=solved[1], outputs=solved[2], note="milp")
        if few_inputs:
            result, x, outputs, count = split_inputs(network, query, rows, deadline=deadline, check=check)
            bounded[0] += count
            if result != "unsat":
                note = "input splitting: a box too small to halve" if result == "unknown" else "input splitting"
                return BabOutcome(result, bounded[0], example=x, outputs=outputs, note=note)
            continue
        searched.append(rows)
    if not searched:
        return BabOutcome("unsat", bounded[0])
    rows = np.concatenate(searched)
    tree = Tree(network, query, rows, precision=precision, slopes=nodes.tightened)
    root = SplitBounds(
        found.lower[:, rows],
        {i: s[:, rows] for i, s in found.slopes.items()},
        {},
        {i: c[:, rows] for i, c in found.costs.items()},
        found.corner[:, rows],
        {i: c[:, rows] for i, c in found.backup.items()},
    )
    for domain in tree.domains(nodes, root, [{}], np.zeros((1, tree.conjunctions), dtype=bool)):
        if domain is not None:
            tree.push(domain)
    outcome = _grow(tree, settings, deadline, check, bounded)
    if outcome is not None:
        return outcome
    return BabOutcome("unsat", bounded[0])
