"""Deciding a property: for each region, bounds and branch-and-bound for ``unsat``, attacks for ``sat``.

A ``sat`` answer carries a counterexample that the network's own forward pass of that single input
confirms exactly (:meth:`Problem.counterexample`) and, when ``confirm`` is given (onnxruntime on the
original ONNX file), that this second computation confirms too. ``unsat`` needs every region proven.
Everything stops at ``timeout`` seconds after the call began.
"""

import dataclasses
import math
import time
from collections.abc import Callable
from typing import Any, TypeAlias

import numpy as np

from verified_nn.network import Network
from verified_nn.spec import Property, SpecError

from ._attack import AttackConfig, AttackResult, attack
from ._problem import Problem, problems
from ._verdict import SAT, TIMEOUT, UNKNOWN, UNSAT, Verdict

Array: TypeAlias = np.ndarray[Any, Any]
Confirm: TypeAlias = Callable[[Array], Array]  # an input row -> the outputs another runtime computes there


@dataclasses.dataclass(frozen=True)
class SearchConfig:
    """How the search spends its time."""

    attack: AttackConfig = dataclasses.field(default_factory=AttackConfig)  # the first attack on each region
    seed: int = 0  # seeds every attack (with the region's index and the round)


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


def _trivial(search: _Search, problem: Problem) -> Verdict | None:
    """A region with a conjunction of no rows is violated by any input of its box."""
    if not any(not conjunct.rows for conjunct in problem.region.conjuncts):
        return None
    x = problem.lower.copy()
    outputs = np.asarray(search.network.logits(x[np.newaxis]))[0].reshape(-1)
    return search.checked(AttackResult(example=x, outputs=outputs, best=-np.inf), "attack")


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
    counterexample before ``sat`` is answered.
    """
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
    open_regions: list[int] = []
    for index, problem in enumerate(regions):
        found = attack(network, problem, config=settings.attack, seed=(settings.seed, index), deadline=search.deadline)
        verdict = search.checked(found, "attack")
        if verdict is not None:
            return verdict
        open_regions.append(index)
        if search.left() <= 0:
            return search.verdict(TIMEOUT)
    if not open_regions:
        return search.verdict(UNSAT, stage="bounds")
    return search.verdict(UNKNOWN, note="no counterexample found, and nothing proven")
