"""The exact fallback: one domain of branch-and-bound as a mixed-integer program, solved by HiGHS.

A domain that the relaxations do not decide (few unstable values left, none worth splitting, or a small
network whole) is decided exactly: the bound core's encoding of the network over the domain's node boxes
(split values are stable there and cost no binary), one more variable ``t >= C_r . y - d_r`` for every
row of the conjunction, and ``t`` minimised. The conjunction is refuted on the domain when HiGHS's dual
bound on ``t`` clears 0 by its solver tolerance (``verified_nn.bounds.solver_tolerance``: the node LPs'
dual and primal feasibility tolerances times the variables' ranges and the objective's sensitivities); a
solution with ``t < 0`` is only a candidate until the caller's check confirms it. Needs scipy (the
``certify`` extra): else :class:`MissingSolverError`.
"""

import dataclasses
from typing import Any, TypeAlias

import numpy as np

from verified_nn.network import Network

from ._program import encode
from ._solve import minimise, solver_tolerance
from ._walk import NodeBounds

Array: TypeAlias = np.ndarray[Any, Any]


@dataclasses.dataclass(frozen=True)
class DomainOutcome:
    """Whether a row's minimum clears its bound over the domain (``refuted``); else a candidate input, if any."""

    refuted: bool
    candidate: Array | None  # (n,) float64: a solution below the bound, to be checked
    timed_out: bool


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
    program, variables = encode(network, nodes, domain=domain)
    output = nodes.boxes[-1]
    box = (output.lower[domain].ravel().astype(np.float64), output.upper[domain].ravel().astype(np.float64))
    t = _violation(program, variables[-1].ravel(), np.asarray(rows, np.float64), np.asarray(bounds, np.float64), box)
    if not program.in_solver_range():  # overflowed bounds: HiGHS's "infeasible" would prove nothing
        return DomainOutcome(False, None, False)
    objective = np.zeros(program.size)
    objective[t] = 1.0
    found = minimise(program, objective, time_limit=time_limit, cutoff=solver_tolerance(program, objective))
    if found.cleared:
        return DomainOutcome(True, None, False)  # nothing below the cutoff
    candidate = None if found.x is None or not found.value < 0 else found.x[variables[0]]
    return DomainOutcome(False, None if candidate is None else candidate.reshape(-1), found.timed_out)
