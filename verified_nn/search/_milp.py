"""The exact fallback: one domain of branch-and-bound as a mixed-integer program, solved by HiGHS.

A domain that the relaxations do not decide (few unstable values left, none worth splitting, or a small
network whole) is decided exactly: the bound core's encoding of the network over the domain's node boxes
(split values are stable there and cost no binary), one more variable ``t >= C_r . y - d_r`` for every
row of the conjunction, and ``t`` minimised. The conjunction is refuted on the domain when HiGHS's dual
bound on ``t`` clears 0 by its solver tolerance (the argument of ``verified_nn.certify``'s complete stage:
the node LPs' dual and primal feasibility tolerances times the variables' ranges and the objective's
sensitivities); a solution with ``t < 0`` is only a candidate until the network's forward pass confirms
it. Needs scipy (the ``certify`` extra).
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


def _violation(program: Any, outputs: Array, rows: Array, bounds: Array, box: tuple[Array, Array]) -> Array:
    """The variable ``t`` with ``C_r . y - t <= d_r`` for every row; its bounds from the output box."""
    low, high = box
    positive, negative = np.maximum(rows, 0), np.minimum(rows, 0)
    least = positive @ low + negative @ high - bounds  # each row's smallest value over the box
    most = positive @ high + negative @ low - bounds
    span = float(np.max(np.abs(np.concatenate([least, most])))) + 1.0
    t: Array = program.variables(np.array([least.max() - 0.01 * span]), np.array([most.max() + 0.01 * span]))
    count, width = rows.shape
    program.add_rows(
        np.concatenate([np.repeat(np.arange(count), width), np.arange(count)]),
        np.concatenate([np.tile(outputs, count), np.repeat(t, count)]),
        np.concatenate([rows.ravel(), -np.ones(count)]),
        np.full(count, -np.inf),
        bounds,
    )
    program.link(np.repeat(t, width), outputs, np.abs(rows).max(axis=0))  # t moves with the outputs
    return t


def solve_domain(
    network: Network[Any, Any], nodes: NodeBounds, rows: Array, bounds: Array, *, time_limit: float, domain: int = 0
) -> DomainOutcome:
    """Decide whether ``max_r (rows[r] . y - bounds[r]) > 0`` over the whole domain (module docstring)."""
    try:
        from scipy.optimize import Bounds as VariableBounds, LinearConstraint, milp
        from scipy.sparse import coo_array
    except ImportError:
        raise SearchError("the exact fallback needs scipy: pip install 'verified-nn[certify]'") from None
    program, variables = encode(network, nodes, domain=domain)
    output = nodes.boxes[-1]
    box = (output.lower[domain].ravel().astype(np.float64), output.upper[domain].ravel().astype(np.float64))
    t = _violation(program, variables[-1].ravel(), np.asarray(rows, np.float64), np.asarray(bounds, np.float64), box)
    if not program.in_solver_range():  # overflowed bounds: HiGHS's "infeasible" would prove nothing
        return DomainOutcome(False, None, False)
    lower, upper, integrality = program.bounds()
    entries = program.matrix()
    low, high = program.limits()
    matrix = coo_array((entries[2], (entries[0], entries[1])), shape=(program.rows, program.size)).tocsr()
    objective = np.zeros(program.size)
    objective[t] = 1.0
    cutoff = _solver_tolerance(program, objective)
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
            constraints=[LinearConstraint(matrix, low, high)],
            options=options,
        )
    dual = getattr(result, "mip_dual_bound", None)
    value = np.inf if result.x is None else float(result.fun)
    if dual is None and result.status == 0:  # no binaries: a linear program, solved to optimality
        dual = value
    if result.status == 2 or (result.status == 0 and dual is not None and dual >= cutoff):
        return DomainOutcome(True, None, False)  # nothing below the cutoff
    candidate = None if result.x is None or not value < 0 else np.asarray(result.x[variables[0]], dtype=np.float64)
    return DomainOutcome(False, None if candidate is None else candidate.reshape(-1), result.status == 1)
