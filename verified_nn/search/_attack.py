"""The attack: projected signed-gradient descent on the violation, many starts, each aimed at one conjunction.

Every start attacks one conjunction ``k`` of the region, minimising ``max_{r in k} (C_r . y - d_r)`` over
the box (for a classifier's robustness property, one start per wrong class, a targeted attack). The
gradient comes from the network's own backward pass (``Network.backward``: each layer's ``backward``).
Steps follow Croce and Hein's APGD (2020): momentum 0.75, a step size halved when a start stops
improving, restarted from its best point. The starts are the given points (such as the corner at which
the bounds place the worst case), then the box's centre, then random corners and random points of the
box, drawn from ``seed``: the same arguments give the same result. A point counts only when the network's
forward pass of that single input meets a conjunction exactly (:meth:`Problem.counterexample`).
"""

import dataclasses
import time
from typing import Any, Final, TypeAlias

import numpy as np

from verified_nn.network import Network

from ._problem import Problem

Array: TypeAlias = np.ndarray[Any, Any]
MAX_STARTS: Final = 4096  # starts attacked at once (their arrays and outputs are held together)


@dataclasses.dataclass(frozen=True)
class AttackConfig:
    """How hard to search."""

    restarts: int = 8  # starts per conjunction
    steps: int = 60  # gradient steps from each start
    step_scale: float = 0.5  # the first step, as a fraction of each input's range
    momentum: float = 0.75


@dataclasses.dataclass(frozen=True)
class AttackResult:
    """A confirmed counterexample (input and the network's outputs there) or none, and the best objective seen."""

    example: Array | None  # (n,) in the network's dtype
    outputs: Array | None  # the network's outputs at ``example``
    best: float  # the smallest objective reached (<= 0 where a conjunction was met)


def _starts(problem: Problem, given: Array | None, count: int, rng: np.random.Generator) -> Array:
    low, high = problem.lower, problem.upper
    rows = [] if given is None else list(np.asarray(given, dtype=problem.dtype).reshape(-1, len(low)))
    rows.append(low + (high - low) / 2)
    while len(rows) < count:
        if len(rows) % 2:
            rows.append(np.where(rng.random(len(low)) < 0.5, low, high))
        else:
            rows.append(low + rng.random(len(low)).astype(problem.dtype) * (high - low))
    chosen: Array = np.clip(np.stack(rows[:count]).astype(problem.dtype), low, high)
    return chosen


def _confirm(network: Network[Any, Any], problem: Problem, x: Array, scores: Array) -> AttackResult | None:
    for row in np.flatnonzero(scores <= 0):
        outputs = problem.counterexample(network, x[row])
        if outputs is not None:
            return AttackResult(example=x[row].copy(), outputs=outputs, best=float(scores.min()))
    return None


def attack(
    network: Network[Any, Any],
    problem: Problem,
    *,
    config: AttackConfig | None = None,
    seed: int | tuple[int, ...] = 0,
    starts: Array | None = None,
    deadline: float | None = None,
) -> AttackResult:
    """Search the region's box for an input whose outputs meet one of its conjunctions (module docstring).

    At most :data:`MAX_STARTS` starts run at once: a region of more conjunctions than that allows is attacked
    a group of conjunctions at a time, in turn, until one is met or the deadline passes.
    """
    settings = config or AttackConfig()
    rng = np.random.default_rng(seed)
    group = max(1, MAX_STARTS // settings.restarts)
    best = np.inf
    for first in range(0, problem.conjuncts, group):
        targets = np.arange(first, min(first + group, problem.conjuncts))
        found = _attack_group(network, problem, settings, rng, starts, targets, deadline)
        best = min(best, found.best)
        if found.example is not None:
            return dataclasses.replace(found, best=best)
        if deadline is not None and time.monotonic() > deadline:
            break
    return AttackResult(example=None, outputs=None, best=best)


def _attack_group(
    network: Network[Any, Any],
    problem: Problem,
    settings: AttackConfig,
    rng: np.random.Generator,
    starts: Array | None,
    targets: Array,
    deadline: float | None,
) -> AttackResult:
    """The attack on the conjunctions ``targets``, ``settings.restarts`` starts each."""
    x = np.concatenate([_starts(problem, starts, settings.restarts, rng) for _ in targets])
    target = np.repeat(targets, settings.restarts)  # the conjunction each row attacks
    span = (problem.upper - problem.lower).astype(problem.dtype)
    step = np.full((len(x), 1), settings.step_scale, dtype=problem.dtype)
    previous = x.copy()
    best_x, best_score = x.copy(), np.full(len(x), np.inf)
    since_better = np.zeros(len(x), dtype=int)
    patience = max(2, settings.steps // 8)
    for iteration in range(settings.steps + 1):
        outputs, cache = network.forward(x)
        scores, which = problem.targeted(outputs, target)
        found = _confirm(network, problem, x, scores)
        if found is not None:
            return AttackResult(found.example, found.outputs, min(found.best, float(best_score.min())))
        improved = scores < best_score
        best_x[improved], best_score[improved] = x[improved], scores[improved]
        since_better = np.where(improved, 0, since_better + 1)
        stalled = since_better >= patience
        if stalled.any():  # halve the step and go back to the best point (APGD's checkpoints)
            step[stalled] /= 2
            x[stalled], previous[stalled], since_better[stalled] = best_x[stalled], best_x[stalled], 0
        if iteration == settings.steps or (deadline is not None and time.monotonic() > deadline):
            break
        gradient = np.zeros_like(np.asarray(outputs).reshape(len(x), -1))
        gradient[:] = problem.matrix[which]  # d(max row) / d y, per start
        dx, _ = network.backward(gradient.astype(problem.dtype).reshape(np.shape(outputs)), cache)
        moved = np.clip(x - step * span * np.sign(np.asarray(dx).reshape(x.shape)), problem.lower, problem.upper)
        momentum = problem.dtype.type(settings.momentum)
        following = x + momentum * (moved - x) + (1 - momentum) * (x - previous)
        previous, x = x, np.clip(following.astype(problem.dtype), problem.lower, problem.upper)
    return AttackResult(example=None, outputs=None, best=float(best_score.min()))
