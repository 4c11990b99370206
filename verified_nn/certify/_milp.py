"""The complete stage: one mixed-integer program per (image, class), the bound core's exact encoding of the
network (``verified_nn.bounds.encode``), solved by HiGHS through scipy's ``milp``.

The program describes the real network and the deployed one at once (each layer's rounding is a bounded
variable per neuron), with big-M constants from sound node bounds. HiGHS computes in floating point with
tolerances, so "no margin at or below 0" is accepted only when its dual bound exceeds
:func:`solver_tolerance`; a solution with a negative margin is only a *candidate* counterexample until
the deployed forward pass confirms it. docs/certification.md gives the argument for the tolerance.
"""

import dataclasses
import time
import warnings
from typing import Any, Final, TypeAlias

import numpy as np

from verified_nn.bounds import NodeBounds, Program, encode
from verified_nn.network import Network

from ._errors import CertifyError

Array: TypeAlias = np.ndarray[Any, Any]

# HiGHS feasibility and optimality tolerances, tightened from their defaults (1e-7, 1e-6).
HIGHS_TOLERANCE: Final = 1e-9
# The dual bound is trusted only this many tolerance units beyond the problem's scale (see solver_tolerance).
TOLERANCE_SAFETY: Final = 100.0

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


def solver_tolerance(program: Program, objective: Array, *, tolerance: float = HIGHS_TOLERANCE) -> float:
    """How far HiGHS's dual bound may sit above the true minimum, with a safety factor.

    A node LP solved to dual feasibility ``t`` can overstate its optimum by at most ``t`` times the sum of
    the variables' ranges; primal infeasibility ``t`` on the rows moves it by at most ``t`` times the sum of
    the duals, each bounded by the objective's absolute sensitivity to that row's variable (the objective
    pushed down through the layers' absolute weights and slopes: ``Program.sensitivity``).
    """
    lower, upper, _ = program.bounds()
    ranges = float(np.sum(np.minimum(upper - lower, 1e30)))
    return TOLERANCE_SAFETY * tolerance * (ranges + float(program.sensitivity(objective).sum()) + 1.0)


def _options(time_limit: float, cutoff: float) -> dict[str, Any]:
    return {
        "time_limit": max(time_limit, 0.01),
        "presolve": True,
        "primal_feasibility_tolerance": HIGHS_TOLERANCE,
        "dual_feasibility_tolerance": HIGHS_TOLERANCE,
        "mip_feasibility_tolerance": HIGHS_TOLERANCE,
        # Prune every node whose bound reaches the cutoff: we need the sign of the value, not its minimum.
        "objective_bound": cutoff,
        "threads": 1,
    }


def minimum_margin(
    network: Network[Any, Any], nodes: NodeBounds, row: Array, *, time_limit: float, domain: int = 0
) -> MilpOutcome:
    """Decide whether ``row . output`` stays above the solver tolerance over domain ``domain`` of ``nodes``.

    ``nodes`` must be sound bounds (``Rounding.sound``) of the network over the ball; ``row`` is one row of a
    specification (``e_label - e_target`` for a margin). HiGHS prunes everything at or above the tolerance,
    so when the margin is safe it usually ends without finding the minimum ("infeasible" below the cutoff),
    and otherwise it returns the minimum.
    """
    try:
        from scipy.optimize import Bounds as VariableBounds, LinearConstraint, milp
        from scipy.sparse import coo_array
    except ImportError:
        raise CertifyError("the complete method needs scipy: pip install 'verified-nn[certify]'") from None
    start = time.perf_counter()
    program, variables = encode(network, nodes, domain=domain)
    objective = np.zeros(program.size)
    np.add.at(objective, variables[-1].ravel(), np.asarray(row, dtype=np.float64).ravel())
    needed = solver_tolerance(program, objective)
    if not program.in_solver_range():
        return MilpOutcome(OUT_OF_RANGE, -np.inf, np.inf, None, needed, time.perf_counter() - start, program.binaries)
    lower, upper, integrality = program.bounds()
    rows, columns, values = program.matrix()
    low, high = program.limits()
    constraints = []
    if program.rows:
        matrix = coo_array((values, (rows, columns)), shape=(program.rows, program.size)).tocsr()
        constraints = [LinearConstraint(matrix, low, high)]
    with warnings.catch_warnings():
        # scipy warns that options it does not name go to HiGHS verbatim: that is what we want.
        warnings.simplefilter("ignore", RuntimeWarning)
        result = milp(
            objective,
            integrality=integrality,
            bounds=VariableBounds(lower, upper),
            constraints=constraints,
            options=_options(time_limit, needed),
        )
    seconds = time.perf_counter() - start
    dual = getattr(result, "mip_dual_bound", None)
    value = np.inf if result.x is None else float(result.fun)
    if dual is None and result.status == 0:  # no binaries: a linear program, solved to optimality
        dual = value
    dual_bound = -np.inf if dual is None or not np.isfinite(dual) else float(dual)
    example = None if result.x is None else np.asarray(result.x[variables[0]], dtype=np.float64)
    if result.status == 2 or (result.status == 0 and dual_bound >= needed):
        status = VERIFIED  # nothing below the cutoff ("infeasible"), or a proven bound above it
        dual_bound = max(dual_bound, needed)
    elif value < 0:
        status = CANDIDATE
    elif result.status == 1:  # time limit
        status = TIMEOUT
    else:
        status = UNDECIDED  # the minimum lies in [0, needed): within the solver tolerance
    return MilpOutcome(status, dual_bound, value, example, needed, seconds, program.binaries)
