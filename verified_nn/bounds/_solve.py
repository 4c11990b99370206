"""Minimising over a :class:`Program` with HiGHS (scipy's ``milp``): the one place the solver is called.

HiGHS computes in floating point with tolerances, so its answer is read one way only: "nothing at or below
the cutoff" (infeasible below it, or a dual bound that reaches it) is trusted when the cutoff is at least
:func:`solver_tolerance`; a solution below it is only a *candidate* until the network's own forward pass
confirms it. docs/certification.md gives the argument for the tolerance.

HiGHS writes some diagnostics from C++ straight to the process's standard output, whatever its options say
(``HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();``): while it runs, file
descriptor 1 points at standard error, so a command's results on standard output (``verify-spec``'s first
line is its verdict) stay clean. Needs scipy (the ``certify`` extra).
"""

import contextlib
import ctypes
import dataclasses
import os
import sys
import warnings
from collections.abc import Iterator
from typing import Any, Final, TypeAlias

import numpy as np

from ._errors import BoundsError
from ._program import Program

Array: TypeAlias = np.ndarray[Any, Any]

# HiGHS feasibility and optimality tolerances, tightened from their defaults (1e-7, 1e-6).
HIGHS_TOLERANCE: Final = 1e-9
# The dual bound is trusted only this many tolerance units beyond the problem's scale (see solver_tolerance).
TOLERANCE_SAFETY: Final = 100.0


class MissingSolverError(BoundsError):
    """scipy, which brings HiGHS, is not installed."""


MissingSolverError.__module__ = "verified_nn.bounds"


@dataclasses.dataclass(frozen=True)
class Solution:
    """What HiGHS said about ``min objective . x`` over the program, read against ``cutoff``."""

    cleared: bool  # nothing at or below the cutoff: the minimum is proven above it
    dual_bound: float  # HiGHS's lower bound on the minimum (-inf if none)
    value: float  # the best value HiGHS found (inf if none)
    x: Array | None  # that solution, every variable, float64
    timed_out: bool
    cutoff: float


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


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Point file descriptor 1 at standard error while the block runs (C and C++ writes included)."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no real standard output (closed, or replaced by a Python object)
        yield
        return
    libc = ctypes.CDLL(None)
    try:
        os.dup2(2, 1)
        yield
    finally:
        libc.fflush(None)  # C stdio buffers what it wrote while 1 was standard error: out it goes, there
        os.dup2(saved, 1)
        os.close(saved)


def minimise(program: Program, objective: Array, *, time_limit: float, cutoff: float) -> Solution:
    """Minimise ``objective . x`` over ``program`` for at most ``time_limit`` seconds, pruning at ``cutoff``."""
    try:
        from scipy.optimize import Bounds as VariableBounds, LinearConstraint, milp
        from scipy.sparse import coo_array
    except ImportError:
        raise MissingSolverError("scipy is not installed") from None
    lower, upper, integrality = program.bounds()
    rows, columns, values = program.matrix()
    low, high = program.limits()
    constraints = []
    if program.rows:
        matrix = coo_array((values, (rows, columns)), shape=(program.rows, program.size)).tocsr()
        constraints = [LinearConstraint(matrix, low, high)]
    options = {
        "time_limit": max(time_limit, 0.01),
        "presolve": True,
        "primal_feasibility_tolerance": HIGHS_TOLERANCE,
        "dual_feasibility_tolerance": HIGHS_TOLERANCE,
        "mip_feasibility_tolerance": HIGHS_TOLERANCE,
        "objective_bound": cutoff,  # prune every node whose bound reaches it: the sign is what matters
        "threads": 1,
    }
    with warnings.catch_warnings(), stdout_to_stderr():
        # scipy warns that options it does not name go to HiGHS verbatim: that is what we want.
        warnings.simplefilter("ignore", RuntimeWarning)
        result = milp(
            np.asarray(objective, dtype=np.float64),
            integrality=integrality,
            bounds=VariableBounds(lower, upper),
            constraints=constraints,
            options=options,
        )
    dual = getattr(result, "mip_dual_bound", None)
    value = np.inf if result.x is None else float(result.fun)
    if dual is None and result.status == 0:  # no binaries: a linear program, solved to optimality
        dual = value
    dual_bound = -np.inf if dual is None or not np.isfinite(dual) else float(dual)
    cleared = result.status == 2 or (result.status == 0 and dual_bound >= cutoff)  # 2: infeasible below it
    x = None if result.x is None else np.asarray(result.x, dtype=np.float64)
    return Solution(cleared, dual_bound, value, x, result.status == 1, cutoff)
