"""Many queries over one network bounded at once: the ones a few batched bound passes prove.

A property with thousands of regions (VNN-COMP's nn4sys ``lindex``: 1,000 to 60,000 small input boxes)
spent most of its time in each region's own search: an attack, then branch-and-bound's root (alpha-CROWN
on every hidden layer), region after region. A float-sound pass over all the boxes, as the domains of
one batch, proves most such regions for about the price of one region's root; only the others are
searched. A query is proven when each of its conjunctions has a row whose violation ``C_r y - d_r`` has a
positive lower bound over the whole box (the same test as branch-and-bound's root, :meth:`Tree.violations`),
and every node's bounds lie within the deployed dtype's range (the rounding model assumes no overflow).

The passes go cheapest first, each over what the ones before left: interval node boxes with the rows
back-substituted through them; CROWN's node boxes; and, when the bounds compute in float32, CROWN in
float64. On lindex's tiny boxes (1e-7 wide, their thresholds as close) the first proves 9,980 of the first
10,000 regions of ``lindex_60000`` on ``lindex_deep`` in 45% of a CROWN pass's time, and what float32 CROWN
leaves is left by the float32 bound's own rounding allowance: float64 proves every one.
"""

import math
from collections.abc import Sequence
from typing import Any, Final, TypeAlias

import numpy as np

from verified_nn.network import Network

from ._beta import split_bounds
from ._box import Box
from ._query import Query, violation_bounds
from ._rounding import Rounding
from ._walk import _in_time, interval_bounds, linear_bounds

Array: TypeAlias = np.ndarray[Any, Any]
SCREEN_DOMAINS: Final = 256  # queries bounded in one pass at most (more are no faster)
SCREEN_VALUES: Final = 2**22  # and at most this many (queries x rows x widest node) values per pass


def screen(
    network: Network[Any, Any], queries: Sequence[Query], *, precision: str = "float32", deadline: float | None = None
) -> Array:
    """``(len(queries),)`` bool: the queries that the passes over their boxes prove (module docstring), in
    ``precision`` at least the network's dtype, and in float64 for what float32 leaves, rounded outward; a
    query without rows is not. The queries must be of ``network``'s input and output sizes. Past
    ``deadline`` (``time.monotonic``) OutOfTimeError."""
    proven = np.zeros(len(queries), dtype=bool)
    rowed = [index for index, query in enumerate(queries) if len(query.bound)]
    if not rowed:
        return proven
    dtype = str(np.promote_types(precision, network.dtype))
    # Cheapest first, each pass over what the ones before left (module docstring).
    stages = [(dtype, True), (dtype, False)] + ([("float64", False)] if dtype != "float64" else [])
    left = rowed
    for stage, intervals in stages:
        if not left:
            break
        proven[left] = _passes(network, [queries[index] for index in left], stage, deadline, intervals=intervals)
        left = [index for index in left if not proven[index]]
    return proven


def _passes(
    network: Network[Any, Any], queries: Sequence[Query], dtype: str, deadline: float | None, *, intervals: bool
) -> Array:
    """``(len(queries),)`` bool: what the passes over ``queries`` (each with rows) in ``dtype`` prove, with
    interval node boxes (``intervals``) or CROWN's."""
    rounding = Rounding.sound(deployed=network.dtype, dtype=dtype)
    widest = max(len(query.bound) for query in queries)
    # A pass keeps a few arrays of (queries, rows, widest node) floats: at most SCREEN_VALUES of them.
    shape = tuple(int(n) for n in queries[0].outer_lower.shape)
    sizes = [math.prod(shape)]
    for layer in network.layers:
        shape = layer.output_shape(shape)
        sizes.append(math.prod(shape))
    size = max(sizes)
    step = max(1, min(SCREEN_DOMAINS, SCREEN_VALUES // (widest * size)))
    proven = np.zeros(len(queries), dtype=bool)
    for start in range(0, len(queries), step):
        part = queries[start : start + step]
        proven[start : start + step] = _proven(network, part, rounding, deadline, intervals=intervals)
    return proven


def _proven(
    network: Network[Any, Any], part: Sequence[Query], rounding: Rounding, deadline: float | None, *, intervals: bool
) -> Array:
    widest = max(len(query.bound) for query in part)
    # Every query's rows, repeated cyclically up to the widest: a repeated row stays in its own conjunction,
    # which it refutes or not as it did.
    picks = [np.resize(np.arange(len(query.bound)), widest) for query in part]
    matrix = np.stack([query.matrix[rows] for query, rows in zip(part, picks, strict=True)])  # (domains, rows, out)
    # The rows' slack and what casting them to the bounds' dtype loses (as Tree.violations charges them).
    slack = np.stack([query.row_slack(rows, rounding.dtype) for query, rows in zip(part, picks, strict=True)])
    bound = np.stack([query.bound[rows] for query, rows in zip(part, picks, strict=True)])  # (domains, rows)
    box = Box(np.stack([query.outer_lower for query in part]), np.stack([query.outer_upper for query in part]))
    if intervals:
        _in_time(deadline)
        nodes = interval_bounds(network, box, rounding=rounding)
    else:
        nodes = linear_bounds(network, box, rounding=rounding, limit=0, deadline=deadline)  # unstable values only
    found = split_bounds(network, nodes, matrix, deadline=deadline)  # CROWN's slopes, no steps
    magnitude = nodes.output.magnitude().reshape(len(part), -1).astype(np.float64)
    refuting = violation_bounds(found.lower, np.einsum("do,dro->dr", magnitude, slack), bound) > 0
    in_range = nodes.in_float_range(network.dtype)
    proven = np.zeros(len(part), dtype=bool)
    for index, (query, rows) in enumerate(zip(part, picks, strict=True)):
        if in_range[index]:
            refuted = np.zeros(query.conjuncts, dtype=bool)
            refuted[query.conjunct[rows][refuting[index]]] = True
            proven[index] = bool(refuted.all())
    return proven
