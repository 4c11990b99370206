"""The exact verifier: a mixed-integer program per (image, class) solved by HiGHS through scipy's ``milp``.

For the real-valued network, the smallest margin ``z_label - z_target`` over the ball is the optimum of
a MILP (Tjeng et al. 2019): the input box, each layer's affine equation, and for each neuron of
activation ``a = act(z)`` with sound bounds ``l <= z <= u``

* stable (``l >= 0`` or ``u <= 0``): the linear equation ``a = z`` or ``a = slope z``;
* unstable: a binary ``d`` and ``a >= z``, ``a >= slope z``, ``a <= z - (1 - slope) l (1 - d)``,
  ``a <= slope z + (1 - slope) u d`` (big-M with ``M`` from the tightened bounds).

HiGHS computes in floating point with tolerances, so its answer is accepted only with room to spare:
"no margin below 0" needs its dual bound above ``threshold`` (the float forward error) plus
:func:`solver_tolerance`; a solution with a negative margin is only a *candidate* counterexample until
the deployed forward pass confirms it. docs/certification.md gives the argument for the tolerance.
"""

import dataclasses
import time
import warnings
from typing import Any, Final, TypeAlias

import numpy as np

from ._ball import Ball
from ._errors import CertifyError
from ._interval import Bounds, activation_interval
from ._network import DenseNetwork

Array: TypeAlias = np.ndarray[Any, Any]

# HiGHS feasibility and optimality tolerances, tightened from their defaults (1e-7, 1e-6).
HIGHS_TOLERANCE: Final = 1e-9
# The dual bound is trusted only this many tolerance units beyond the problem's scale (see solver_tolerance).
TOLERANCE_SAFETY: Final = 100.0

VERIFIED: Final = "verified"
CANDIDATE: Final = "candidate"
TIMEOUT: Final = "timeout"
UNDECIDED: Final = "undecided"


@dataclasses.dataclass(frozen=True)
class MilpOutcome:
    """What HiGHS said about ``min over the ball of z_label - z_target``, and what we accept of it."""

    status: str  # VERIFIED, CANDIDATE (a solution with a negative margin), TIMEOUT or UNDECIDED
    dual_bound: float  # HiGHS's lower bound on the minimum margin (-inf if none)
    value: float  # the best margin HiGHS found (inf if none)
    example: Array | None  # the input part of that solution, float64 (n,)
    needed: float  # what the dual bound had to exceed: float error plus solver tolerance
    seconds: float
    binaries: int  # unstable neurons, one binary each


@dataclasses.dataclass(frozen=True)
class _Model:
    objective: Array  # (variables,)
    constant: float  # objective offset: b_label - b_target
    lower: Array  # (variables,)
    upper: Array
    integrality: Array  # (variables,) 1 for the binaries
    matrix: Any  # scipy.sparse CSR, (rows, variables)
    row_lower: Array  # (rows,)
    row_upper: Array  # (rows,)
    binaries: int
    inputs: int  # the input variables come first


def _layer_rows(
    network: DenseNetwork, i: int, bounds: Bounds, offsets: tuple[int, int, int, int], variables: int
) -> tuple[list[Any], list[Array], list[Array]]:
    """Constraint rows of hidden layer ``i``: ``z = W a_prev + b`` and the activation's encoding."""
    previous, z0, a0, d0 = offsets
    w, _, b = network.exact[i]
    n = w.shape[0]
    low, high = bounds.lower[i], bounds.upper[i]
    leak = network.deployed_slope(i)
    identity = np.arange(n)
    blocks: list[Any] = []
    row_low: list[Array] = []
    row_high: list[Array] = []

    from scipy.sparse import coo_array

    def rows(entries: list[tuple[Array, Array, Array]], count: int) -> Any:
        r = np.concatenate([e[0] for e in entries])
        c = np.concatenate([e[1] for e in entries])
        v = np.concatenate([e[2] for e in entries])
        return coo_array((v, (r, c)), shape=(count, variables))

    # z - W a_prev = b, one dense row per neuron.
    dense_rows, dense_cols = np.nonzero(w)
    blocks.append(
        rows(
            [(identity, z0 + identity, np.ones(n)), (dense_rows, previous + dense_cols, -w[dense_rows, dense_cols])], n
        )
    )
    row_low.append(b)
    row_high.append(b)
    # a - z >= 0 and a - slope z >= 0: valid for every neuron (act(z) >= z and >= slope z, as slope < 1).
    for slope in (1.0, leak):
        blocks.append(rows([(identity, a0 + identity, np.ones(n)), (identity, z0 + identity, -slope * np.ones(n))], n))
        row_low.append(np.zeros(n))
        row_high.append(np.full(n, np.inf))
    # a - z - (1 - slope) l d <= -(1 - slope) l  and  a - slope z - (1 - slope) u d <= 0.
    span = 1.0 - leak
    blocks.append(
        rows(
            [
                (identity, a0 + identity, np.ones(n)),
                (identity, z0 + identity, -np.ones(n)),
                (identity, d0 + identity, -span * np.minimum(low, 0)),
            ],
            n,
        )
    )
    row_low.append(np.full(n, -np.inf))
    row_high.append(-span * np.minimum(low, 0))
    blocks.append(
        rows(
            [
                (identity, a0 + identity, np.ones(n)),
                (identity, z0 + identity, -leak * np.ones(n)),
                (identity, d0 + identity, -span * np.maximum(high, 0)),
            ],
            n,
        )
    )
    row_low.append(np.full(n, -np.inf))
    row_high.append(np.zeros(n))
    return blocks, row_low, row_high


def build_model(network: DenseNetwork, ball: Ball, label: int, target: int, bounds: Bounds) -> _Model:
    """The MILP of ``min z_label - z_target`` over the ball; variables ``x, (z_i, a_i, d_i) per hidden layer``."""
    hidden = len(network.slopes)
    widths = network.widths
    offsets = []
    position = widths[0]
    for i in range(hidden):
        offsets.append((position, position + widths[i + 1], position + 2 * widths[i + 1]))
        position += 3 * widths[i + 1]
    variables = position
    lower, upper = np.empty(variables), np.empty(variables)
    integrality = np.zeros(variables)
    lower[: widths[0]], upper[: widths[0]] = ball.lower, ball.upper
    blocks: list[Any] = []
    row_low: list[Array] = []
    row_high: list[Array] = []
    binaries = 0
    previous = 0
    for i, (z0, a0, d0) in enumerate(offsets):
        n = widths[i + 1]
        low, high = bounds.lower[i], bounds.upper[i]
        a_low, a_high = activation_interval(network, i, low, high)
        lower[z0 : z0 + n], upper[z0 : z0 + n] = low, high
        lower[a0 : a0 + n], upper[a0 : a0 + n] = a_low, a_high
        # d = 1 means active; stable neurons have d fixed, so HiGHS's presolve removes them.
        lower[d0 : d0 + n] = np.where(low >= 0, 1.0, 0.0)
        upper[d0 : d0 + n] = np.where(high <= 0, 0.0, 1.0)
        integrality[d0 : d0 + n] = 1
        binaries += int(np.sum((low < 0) & (high > 0)))
        b, rl, rh = _layer_rows(network, i, bounds, (previous, z0, a0, d0), variables)
        blocks += b
        row_low += rl
        row_high += rh
        previous = a0
    w, _, b_last = network.exact[-1]
    objective = np.zeros(variables)
    objective[previous : previous + widths[-2]] = w[label] - w[target]
    from scipy.sparse import csr_array, vstack

    matrix = csr_array(vstack(blocks)) if blocks else csr_array((0, variables))
    return _Model(
        objective=objective,
        constant=float(b_last[label] - b_last[target]),
        lower=lower,
        upper=upper,
        integrality=integrality,
        matrix=matrix,
        row_lower=np.concatenate(row_low) if row_low else np.zeros(0),
        row_upper=np.concatenate(row_high) if row_high else np.zeros(0),
        binaries=binaries,
        inputs=widths[0],
    )


def solver_tolerance(
    network: DenseNetwork, model: _Model, label: int, target: int, *, tolerance: float = HIGHS_TOLERANCE
) -> float:
    """How far HiGHS's dual bound may sit above the true minimum, with a safety factor.

    A node LP solved to dual feasibility ``t`` can overstate its optimum by at most ``t`` times the sum
    of the variables' ranges; primal infeasibility ``t`` on the rows moves it by at most ``t`` times the
    sum of the duals, each bounded by the objective's absolute sensitivity to that row's variable
    (``|c|`` pushed down through ``|W_i|``, since every activation's slope is at most 1).
    """
    ranges = float(np.sum(model.upper - model.lower))
    w_last = network.exact[-1][0]
    sensitivity = np.abs(w_last[label] - w_last[target])  # on the last hidden layer (or the input)
    total = float(sensitivity.sum())
    for i in range(len(network.weights) - 2, -1, -1):
        sensitivity = sensitivity @ network.exact[i][1]
        total += float(sensitivity.sum())
    return TOLERANCE_SAFETY * tolerance * (ranges + total + 1.0)


def _highs_options(time_limit: float, cutoff: float) -> dict[str, Any]:
    return {
        "time_limit": max(time_limit, 0.01),
        "presolve": True,
        "primal_feasibility_tolerance": HIGHS_TOLERANCE,
        "dual_feasibility_tolerance": HIGHS_TOLERANCE,
        "mip_feasibility_tolerance": HIGHS_TOLERANCE,
        # Prune every node whose bound reaches the cutoff: we need the sign of the margin, not its minimum.
        "objective_bound": cutoff,
        "threads": 1,
    }


def minimum_margin(
    network: DenseNetwork,
    ball: Ball,
    label: int,
    target: int,
    bounds: Bounds,
    *,
    float_error: float,
    time_limit: float,
) -> MilpOutcome:
    """Decide whether ``z_label - z_target`` stays above ``float_error`` (plus tolerance) over the ball.

    ``bounds`` must be sound for the real network over ``ball`` (the big-M constants come from them);
    ``float_error`` is the bound on the deployed network's rounding of that margin. HiGHS prunes
    everything at or above that threshold, so when the margin is safe it usually ends without finding
    the minimum ("infeasible" below the cutoff), and otherwise it returns the minimum.
    """
    try:
        from scipy.optimize import Bounds as VariableBounds, LinearConstraint, milp
    except ImportError:
        raise CertifyError("the complete method needs scipy: pip install 'verified-nn[certify]'") from None
    start = time.perf_counter()
    model = build_model(network, ball, label, target, bounds)
    needed = float_error + solver_tolerance(network, model, label, target)
    with warnings.catch_warnings():
        # scipy warns that options it does not name go to HiGHS verbatim: that is what we want.
        warnings.simplefilter("ignore", RuntimeWarning)
        result = milp(
            model.objective,
            integrality=model.integrality,
            bounds=VariableBounds(model.lower, model.upper),
            constraints=[LinearConstraint(model.matrix, model.row_lower, model.row_upper)]
            if model.matrix.shape[0]
            else [],
            options=_highs_options(time_limit, needed - model.constant),
        )
    seconds = time.perf_counter() - start
    dual = getattr(result, "mip_dual_bound", None)
    dual_bound = -np.inf if dual is None or not np.isfinite(dual) else float(dual) + model.constant
    value = np.inf if result.x is None else float(result.fun) + model.constant
    example = None if result.x is None else np.asarray(result.x[: model.inputs], dtype=np.float64)
    if result.status == 2 or (result.status == 0 and dual_bound >= needed):
        status = VERIFIED  # nothing below the cutoff ("infeasible"), or a proven bound above it
        dual_bound = max(dual_bound, needed)
    elif value < 0:
        status = CANDIDATE
    elif result.status == 1:  # time limit
        status = TIMEOUT
    else:
        status = UNDECIDED  # the minimum lies in [0, needed): within the float and solver tolerance
    return MilpOutcome(
        status=status,
        dual_bound=dual_bound,
        value=value,
        example=example,
        needed=needed,
        seconds=seconds,
        binaries=model.binaries,
    )
