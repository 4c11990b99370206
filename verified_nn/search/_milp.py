"""The exact fallback: one domain of branch-and-bound as a mixed-integer program, solved by HiGHS.

A domain whose bound the relaxations cannot lift (every unstable value split, or no split that would
help) is decided exactly: the bound core's encoding of the network over the domain's node boxes (split
values are stable there, so they cost no binary), and for each row of the conjunction the smallest
``C_r . y`` over it. The row is refuted when HiGHS's dual bound clears ``d_r`` by its solver tolerance
(the argument of ``verified_nn.certify``'s complete stage); a solution below ``d_r`` is only a candidate
until the network's forward pass confirms it. Needs scipy (the ``certify`` extra).
"""

import dataclasses
import warnings
from typing import Any, Final, TypeAlias

import numpy as np

from verified_nn.bounds import NodeBounds, encode
from verified_nn.network import Network

from ._errors import SearchError

Array: TypeAlias = np.ndarray[Any, Any]

HIGHS_TOLERANCE: Final = 1e-9
TOLERANCE_SAFETY: Final = 100.0


@dataclasses.dataclass(frozen=True)
class DomainOutcome:
    """Whether a row's minimum clears its bound over the domain (``refuted``); else a candidate input, if any."""

    refuted: bool
    candidate: Array | None  # (n,) float64: a solution below the bound, to be checked
    timed_out: bool


def _solver_tolerance(program: Any, objective: Array) -> float:
    lower, upper, _ = program.bounds()
    ranges = float(np.sum(np.minimum(upper - lower, 1e30)))
    return TOLERANCE_SAFETY * HIGHS_TOLERANCE * (ranges + float(program.sensitivity(objective).sum()) + 1.0)


def solve_domain(
    network: Network[Any, Any], nodes: NodeBounds, rows: Array, bounds: Array, *, time_limit: float, domain: int = 0
) -> DomainOutcome:
    """Decide whether some row ``r`` has ``rows[r] . y > bounds[r]`` over the whole domain (module docstring)."""
    try:
        from scipy.optimize import Bounds as VariableBounds, LinearConstraint, milp
        from scipy.sparse import coo_array
    except ImportError:
        raise SearchError("the exact fallback needs scipy: pip install 'verified-nn[certify]'") from None
    program, variables = encode(network, nodes, domain=domain)
    lower, upper, integrality = program.bounds()
    coordinates = program.matrix()
    constraints = []
    if program.rows:
        low, high = program.limits()
        matrix = coo_array((coordinates[2], (coordinates[0], coordinates[1])), shape=(program.rows, program.size))
        constraints = [LinearConstraint(matrix.tocsr(), low, high)]
    candidate, timed_out = None, False
    for row, bound in zip(rows, bounds, strict=True):
        objective = np.zeros(program.size)
        np.add.at(objective, variables[-1].ravel(), np.asarray(row, dtype=np.float64).ravel())
        cutoff = float(bound) + _solver_tolerance(program, objective)
        options = {
            "time_limit": max(time_limit, 0.01),
            "primal_feasibility_tolerance": HIGHS_TOLERANCE,
            "dual_feasibility_tolerance": HIGHS_TOLERANCE,
            "mip_feasibility_tolerance": HIGHS_TOLERANCE,
            "objective_bound": cutoff,  # prune whatever reaches it: the sign is what matters
            "threads": 1,
        }
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # options scipy does not know go to HiGHS as they are
            result = milp(
                objective,
                integrality=integrality,
                bounds=VariableBounds(lower, upper),
                constraints=constraints,
                options=options,
            )
        dual = getattr(result, "mip_dual_bound", None)
        value = np.inf if result.x is None else float(result.fun)
        if dual is None and result.status == 0:
            dual = value
        if result.status == 2 or (result.status == 0 and dual is not None and dual >= cutoff):
            return DomainOutcome(True, None, False)  # nothing below the cutoff: this row refutes the domain
        if result.x is not None and value < bound and candidate is None:
            candidate = np.asarray(result.x[variables[0]], dtype=np.float64).reshape(-1)
        timed_out |= result.status == 1
    return DomainOutcome(False, candidate, timed_out)
