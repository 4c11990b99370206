"""Deciding a property: for each region, bounds and branch-and-bound for ``unsat``, attacks for ``sat``.

A ``sat`` answer carries a counterexample that the network's own forward pass of that single input
confirms exactly (:meth:`Problem.counterexample`) and, when ``confirm`` is given (onnxruntime on the
original ONNX file), that this second computation confirms too. ``unsat`` needs every region proven.
Everything stops at ``timeout`` seconds after the call began.
"""

import dataclasses
import itertools
import math
import numbers
import time
from collections.abc import Callable
from typing import Any, Final, TypeAlias

import numpy as np

from verified_nn.bounds import (
    BabConfig,
    BabOutcome,
    BoundsError,
    Box,
    MissingSolverError,
    OutOfTimeError,
    Rounding,
    branch_and_bound,
    interval_bounds,
    screen,
)
from verified_nn.network import Network
from verified_nn.spec import Property, SpecError

from ._attack import AttackConfig, AttackResult, attack
from ._errors import SearchError
from ._problem import Problem, problems
from ._verdict import SAT, TIMEOUT, UNKNOWN, UNSAT, Verdict

Array: TypeAlias = np.ndarray[Any, Any]
SCREEN_FROM: Final = 2  # properties of this many regions or more are first bounded all at once (_screened)
ATTACK_FIRST: Final = 0.1  # the share of the time limit their first attacks may take before that
Confirm: TypeAlias = Callable[[Array], Array]  # an input row -> the outputs another runtime computes there


def _quick() -> AttackConfig:
    return AttackConfig(restarts=4, steps=40)


@dataclasses.dataclass(frozen=True)
class SearchConfig:
    """How the search spends its time."""

    attack: AttackConfig = dataclasses.field(default_factory=_quick)  # the first attack on each region
    strong: AttackConfig = dataclasses.field(default_factory=AttackConfig)  # from the bounds' worst inputs
    bab: BabConfig = dataclasses.field(default_factory=BabConfig)  # branch-and-bound
    last_rounds: int = 20  # attacks after branch-and-bound gave up (each from new random starts)
    seed: int = 0  # seeds every attack (with the region's index)


class _Search:
    """The state of one call: the deadline, and the check every counterexample passes."""

    def __init__(self, network: Network[Any, Any], spec: Property, timeout: float, confirm: Confirm | None) -> None:
        self.network, self.spec, self.confirm = network, spec, confirm
        self.start = time.monotonic()
        self.deadline = self.start + timeout

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def verdict(self, result: str, **fields: Any) -> Verdict:
        return Verdict(result=result, seconds=time.monotonic() - self.start, **fields)

    def confirmed(self, problem: Problem, x: Array) -> Array | None:
        """The outputs at ``x`` if it violates the region exactly, and ``confirm`` agrees; else None."""
        outputs = problem.counterexample(self.network, x)
        if outputs is None or self.confirm is None:
            return outputs
        other = np.asarray(self.confirm(x)).reshape(-1)
        return other if self.spec.violated_by(x, other) else None

    def checked(self, found: AttackResult, stage: str) -> Verdict | None:
        """A ``sat`` verdict if the attack's point holds up under ``confirm`` too."""
        if found.example is None or found.outputs is None:
            return None
        outputs = found.outputs
        if self.confirm is not None:
            outputs = np.asarray(self.confirm(found.example)).reshape(-1)
            if not self.spec.violated_by(found.example, outputs):
                return None
        return self.verdict(SAT, stage=stage, example=found.example, outputs=outputs)


NO_OUTPUT_CONDITION = "a case of the property constrains no output: every input of its box violates it"


def _trivial(search: _Search, problem: Problem) -> Verdict | None:
    """A region with a conjunction of no rows is violated by any input of its box."""
    if not any(not conjunct.rows for conjunct in problem.region.conjuncts):
        return None
    x = problem.lower.copy()
    outputs = np.asarray(search.network.logits(x[np.newaxis]))[0].reshape(-1)
    verdict = search.checked(AttackResult(example=x, outputs=outputs, best=-np.inf), "attack")
    return None if verdict is None else dataclasses.replace(verdict, note=NO_OUTPUT_CONDITION)


def _seconds(timeout: object) -> float:
    """``timeout`` as a float if it is a number of seconds (infinite or not); else SearchError."""
    if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real) or math.isnan(timeout):
        raise SearchError(f"timeout must be a number of seconds, got {timeout!r}")
    return float(timeout)


def verify(
    network: Network[Any, Any],
    spec: Property,
    *,
    timeout: float,
    config: SearchConfig | None = None,
    confirm: Confirm | None = None,
) -> Verdict:
    """Decide whether some input of ``spec``'s boxes gives outputs violating it, within ``timeout`` seconds.

    ``network`` takes the property's inputs as flat rows and gives its outputs (flattened). ``confirm``
    (for example :class:`~verified_nn.interop.OnnxRunner` on the original file) must agree on a
    counterexample before ``sat`` is answered. A ``timeout`` of 0 or less leaves no time to search (the
    answer is ``timeout`` unless a region is decided without one); ``math.inf`` sets no limit; what is not
    a number of seconds (NaN, a string, a bool) is a SearchError, since no moment would ever pass it and
    the search could run for ever.
    """
    timeout = _seconds(timeout)
    settings = config or SearchConfig()
    shape = network.input_shape()
    if shape is None or len(shape) != 1:
        raise SpecError(f"the network must take flat rows of inputs, it takes {shape or 'any shape'}")
    spec.check_network(shape[0], math.prod(network.output_shape()))
    search = _Search(network, spec, timeout, confirm)
    regions = problems(network, spec)
    for problem in regions:
        trivial = _trivial(search, problem)
        if trivial is not None:
            return trivial
    # Quick attacks first (a property of many regions may be violated in an easy one), for a share of the time
    # when the regions are to be screened; then the screen, and attacks on the regions it left unattacked.
    attacked = 0
    first = search.start + ATTACK_FIRST * timeout if len(regions) >= SCREEN_FROM else search.deadline
    while attacked < len(regions) and (attacked == 0 or time.monotonic() < first):
        verdict = _quick_attack(search, regions[attacked], settings, attacked)
        attacked += 1
        if verdict is not None:
            return verdict
    try:
        proven = _screened(search, regions, settings)
    except OutOfTimeError:
        return search.verdict(TIMEOUT)
    left = [(index, problem) for index, problem in enumerate(regions) if proven is None or not proven[index]]
    for index, problem in left:
        verdict = _quick_attack(search, problem, settings, index) if index >= attacked else None
        if verdict is not None:
            return verdict
    if search.left() <= 0:
        return search.verdict(TIMEOUT)
    screened = 0 if proven is None else len(regions)
    domains, notes = screened, []
    for index, problem in left:
        outcome = _branch_and_bound(search, problem, settings, seed=(settings.seed, index))
        domains += outcome.domains
        if outcome.result == SAT:
            stage = "attack" if outcome.note == "attack" else "bab"
            return search.verdict(SAT, stage=stage, example=outcome.example, outputs=outcome.outputs, domains=domains)
        if outcome.result == TIMEOUT:
            return search.verdict(TIMEOUT, domains=domains)
        if outcome.result != UNSAT:
            notes.append(outcome.note)
    if notes:  # what branch-and-bound could not decide may still fall to an attack: the time left goes there
        for round_ in itertools.count(1):
            if search.left() <= 0:
                return search.verdict(TIMEOUT, domains=domains)
            for index, problem in left:
                seed = (settings.seed, index, round_)
                found = attack(network, problem, config=settings.strong, seed=seed, deadline=search.deadline)
                verdict = search.checked(found, "attack")
                if verdict is not None:
                    return verdict
            if round_ >= settings.last_rounds:
                return search.verdict(UNKNOWN, domains=domains, note="; ".join(notes))
    searched = domains - screened  # one per region when each region's root proved it
    return search.verdict(UNSAT, stage="bounds" if searched == len(left) else "bab", domains=domains)


def _quick_attack(search: _Search, problem: Problem, settings: SearchConfig, index: int) -> Verdict | None:
    """``sat`` from the first attack on region ``index``, else ``timeout`` once the time is up, else None."""
    found = attack(
        search.network, problem, config=settings.attack, seed=(settings.seed, index), deadline=search.deadline
    )
    verdict = search.checked(found, "attack")
    if verdict is None and search.left() <= 0:
        return search.verdict(TIMEOUT)
    return verdict


def _screened(search: _Search, regions: list[Problem], settings: SearchConfig) -> Array | None:
    """``(regions,)`` bool: the regions one batched bound pass proves (:func:`verified_nn.bounds.screen`), for a
    property of ``SCREEN_FROM`` regions or more (one region's root bound is branch-and-bound's first step, and
    tighter); None when none were bounded (fewer regions, or a network the bound core cannot take)."""
    if len(regions) < SCREEN_FROM:
        return None
    try:
        return screen(search.network, regions, precision=settings.bab.precision, deadline=search.deadline)
    except BoundsError:
        return None


def _branch_and_bound(
    search: _Search, problem: Problem, settings: SearchConfig, *, seed: tuple[int, int]
) -> BabOutcome:
    """Branch-and-bound on one region, a strong attack from the root's worst inputs first; a network the
    bound core cannot take (a layer without a rule) gives "unknown" with the reason."""

    def attack_from(corners: Array) -> tuple[Array, Array] | None:
        found = attack(
            search.network, problem, config=settings.strong, seed=seed, starts=corners, deadline=search.deadline
        )
        verdict = search.checked(found, "attack")
        return None if verdict is None or verdict.example is None else (verdict.example, verdict.outputs)  # type: ignore[return-value]

    try:
        box = Box(problem.outer_lower[np.newaxis], problem.outer_upper[np.newaxis])
        root = interval_bounds(search.network, box, rounding=Rounding.sound(deployed=search.network.dtype))
        if not root.within_float_range(search.network.dtype):  # the rounding model assumes no overflow
            return BabOutcome(UNKNOWN, 0, note="the bounds reach the float range's limit: no proof is sound there")
        return branch_and_bound(
            search.network,
            problem,
            deadline=search.deadline,
            config=settings.bab,
            check=lambda x: search.confirmed(problem, x),
            attack_from=attack_from,
        )
    except MissingSolverError:
        raise SearchError("the exact fallback needs scipy: pip install 'verified-nn[certify]'") from None
    except BoundsError as error:
        return BabOutcome(UNKNOWN, 0, note=f"no bounds: {error}")
