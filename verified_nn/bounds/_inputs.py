"""Branch-and-bound over the input box, for networks with few inputs (control policies, ACAS Xu).

With a handful of inputs, halving the box is a stronger split than fixing a ReLU: every layer's bounds
tighten at once. A domain is a sub-box; each round takes the ``batch`` sub-boxes with the lowest bound,
halves each across the input whose range costs its worst row most (``|coefficient| x width``, the bound's
coefficients on the input), and bounds all halves in one batched pass: CROWN for the hidden layers,
alpha-CROWN for the rows. The halves share their midpoint, so together they cover the box exactly, and
every bound is float-sound as branch-and-bound's are. The inputs where the linear bounds are lowest are
tried as counterexamples on the way.
"""

import heapq
import itertools
import time
from typing import Any, TypeAlias

import numpy as np

from verified_nn.network import Network

from ._beta import split_bounds
from ._box import Box
from ._errors import OutOfTimeError
from ._query import Check, Query, violation_bounds
from ._rounding import Rounding
from ._walk import linear_bounds

Array: TypeAlias = np.ndarray[Any, Any]


class _Boxes:
    """The open sub-boxes of one conjunction, lowest bound first, with the input each should be halved across."""

    def __init__(self, network: Network[Any, Any], query: Query, rows: Array, precision: str) -> None:
        self.network, self.query, self.rows = network, query, rows
        self.rounding = Rounding.sound(deployed=network.dtype, dtype=precision)
        self.queue: list[tuple[float, int, Array, Array, Array]] = []
        self.counter = itertools.count()
        self.bounded = 0

    def bound(
        self, lower: Array, upper: Array, iterations: int, check: Check, deadline: float
    ) -> tuple[Array, Array] | None:
        """Bound the boxes ``(k, n)`` and keep the open ones; a counterexample found on the way, if any."""
        network, query = self.network, self.query
        nodes = linear_bounds(network, Box(lower, upper), rounding=self.rounding, deadline=deadline)
        found = split_bounds(network, nodes, query.matrix[self.rows], iterations=iterations, deadline=deadline)
        self.bounded += len(lower)
        magnitude = nodes.output.magnitude().reshape(len(lower), -1)
        slack = magnitude.astype(np.float64) @ query.row_slack(self.rows, self.rounding.dtype).T
        bounds = violation_bounds(found.lower, slack, query.bound[self.rows])  # as Tree.violations
        best, worst = bounds.max(axis=1), bounds.argmax(axis=1)
        picks = np.arange(len(lower))
        corners = np.clip(found.corner[picks, worst].astype(query.dtype), query.lower, query.upper)
        objective, _ = query.objective(np.asarray(network.logits(corners)))
        for row in np.flatnonzero(objective.min(axis=1) <= 0):
            outputs = check(corners[row])
            if outputs is not None:
                return corners[row], outputs
        assert found.inputs is not None
        # Each input's share of the bound's loss, |coefficient| x width, with a floor of the mean share: a
        # range whose coefficient is 0 still widens the hidden layers' boxes, so it is halved in turn too.
        coefficients = np.abs(found.inputs[picks, worst].reshape(len(lower), -1))
        floor = coefficients.mean(axis=1, keepdims=True) + np.finfo(np.float64).tiny
        weights = (coefficients + floor) * (upper - lower)
        for d in np.flatnonzero(best <= 0):
            heapq.heappush(self.queue, (float(best[d]), next(self.counter), lower[d], upper[d], weights[d]))
        return None


def split_inputs(
    network: Network[Any, Any],
    query: Query,
    rows: Array,
    *,
    deadline: float,
    check: Check,
    batch: int = 128,
    iterations: int = 5,
    precision: str = "float64",
) -> tuple[str, Array | None, Array | None, int]:
    """Refute the conjunction of ``rows`` on the whole box by halving it: ``("unsat", None, None, domains)``,
    ``("sat", x, outputs, domains)`` for a counterexample found on the way, ``("timeout", ...)``, or
    ``("unknown", ...)`` when a box can be halved no further and its bound still falls short."""
    boxes = _Boxes(network, query, rows, precision)
    root = query.outer_lower[np.newaxis], query.outer_upper[np.newaxis]
    try:
        found = boxes.bound(*root, 4 * iterations, check, deadline)
        while found is None and boxes.queue:
            if time.monotonic() > deadline:
                return "timeout", None, None, boxes.bounded
            popped = [heapq.heappop(boxes.queue) for _ in range(min(batch, len(boxes.queue)))]
            lower, upper, weights = (np.stack([item[k] for item in popped]) for k in (2, 3, 4))
            halves = _halves(lower, upper, weights)
            if halves is None:
                return "unknown", None, None, boxes.bounded
            found = boxes.bound(*halves, iterations, check, deadline)
    except OutOfTimeError:  # a bound pass reached the deadline
        return "timeout", None, None, boxes.bounded
    if found is not None:
        return "sat", found[0], found[1], boxes.bounded
    return "unsat", None, None, boxes.bounded


def _halves(lower: Array, upper: Array, weights: Array) -> tuple[Array, Array] | None:
    """Each box ``(k, n)`` as two halves across the input of the largest weight (the widest where no weight is
    positive): ``(2k, n)`` each, sharing the midpoint; None when some box cannot be halved any more."""
    width = upper - lower
    axis = np.where(weights.max(axis=1) > 0, weights.argmax(axis=1), width.argmax(axis=1))
    picks = np.arange(len(lower))
    middle = lower[picks, axis] / 2 + upper[picks, axis] / 2  # no overflow; between the ends
    if np.any((middle <= lower[picks, axis]) | (middle >= upper[picks, axis])):
        return None
    low_half_upper, high_half_lower = upper.copy(), lower.copy()
    low_half_upper[picks, axis] = middle
    high_half_lower[picks, axis] = middle
    return np.concatenate([lower, high_half_lower]), np.concatenate([low_half_upper, upper])
