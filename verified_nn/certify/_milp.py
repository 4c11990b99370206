"""The complete stage: one mixed-integer program per (image, class), the bound core's exact encoding of the
network (``verified_nn.bounds.encode``), solved by HiGHS (``verified_nn.bounds.minimise``).

The program describes the real network and the deployed one at once (each layer's rounding is a bounded
variable per neuron), with big-M constants from sound node bounds. HiGHS computes in floating point with
tolerances, so "no margin at or below 0" is accepted only when its dual bound exceeds
:func:`verified_nn.bounds.solver_tolerance`; a solution with a negative margin is only a *candidate*
counterexample until the deployed forward pass confirms it. docs/certification.md gives the argument for the
tolerance.
"""

import dataclasses
import time
from typing import Any, Final, TypeAlias

import numpy as np

from verified_nn.bounds import MissingSolverError, NodeBounds, encode, minimise, solver_tolerance
from verified_nn.network import Network

from ._errors import CertifyError

Array: TypeAlias = np.ndarray[Any, Any]

VERIFIED: Final = "verified"
CANDIDATE: Final = "candidate"
TIMEOUT: Final = "timeout"
UNDECIDED: Final = "undecided"
OUT_OF_RANGE: Final = "out-of-range"  # bounds or coefficients beyond what HiGHS can be trusted on: not solved


@dataclasses.dataclass(frozen=True)
class MilpOutcome:
    """What HiGHS said about ``min over the ball of spec . output``, and what we accept of it."""

    status: str  # VERIFIED, CANDIDATE (a solution with a negative value), TIMEOUT, UNDECIDED or OUT_OF_RANGE
    dual_bound: float  # HiGHS's lower bound on the minimum (-inf if none)
    value: float  # the best value HiGHS found (inf if none)
    example: Array | None  # the input part of that solution, float64, the input's shape
    needed: float  # what the dual bound had to exceed: the solver tolerance
    seconds: float
    binaries: int  # free binaries (unstable neurons, open max-pool windows)


def minimum_margin(
    network: Network[Any, Any], nodes: NodeBounds, row: Array, *, time_limit: float, domain: int = 0
) -> MilpOutcome:
    """Decide whether ``row . output`` stays above the solver tolerance over domain ``domain`` of ``nodes``.

    ``nodes`` must be sound bounds (``Rounding.sound``) of the network over the ball; ``row`` is one row of a
    specification (``e_label - e_target`` for a margin). HiGHS prunes everything at or above the tolerance,
    so when the margin is safe it usually ends without finding the minimum ("infeasible" below the cutoff),
    and otherwise it returns the minimum.
    """
    start = time.perf_counter()
    program, variables = encode(network, nodes, domain=domain)
    objective = np.zeros(program.size)
    np.add.at(objective, variables[-1].ravel(), np.asarray(row, dtype=np.float64).ravel())
    needed = solver_tolerance(program, objective)
    if not program.in_solver_range():
        return MilpOutcome(OUT_OF_RANGE, -np.inf, np.inf, None, needed, time.perf_counter() - start, program.binaries)
    try:
        found = minimise(program, objective, time_limit=time_limit, cutoff=needed)
    except MissingSolverError:
        raise CertifyError("the complete method needs scipy: pip install 'verified-nn[certify]'") from None
    seconds = time.perf_counter() - start
    dual_bound = found.dual_bound
    example = None if found.x is None else found.x[variables[0]]
    if found.cleared:
        status = VERIFIED  # nothing below the cutoff ("infeasible"), or a proven bound above it
        dual_bound = max(dual_bound, needed)
    elif found.value < 0:
        status = CANDIDATE
    elif found.timed_out:
        status = TIMEOUT
    else:
        status = UNDECIDED  # the minimum lies in [0, needed): within the solver tolerance
    return MilpOutcome(status, dual_bound, found.value, example, needed, seconds, program.binaries)
