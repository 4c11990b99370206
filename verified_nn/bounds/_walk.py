"""The walkers: boxes forward through a network's layers, linear bounds backward; no layer kind known here.

Nodes are numbered by position: node 0 is the network's input, node ``i + 1`` the output of layer ``i``.
Each layer's :class:`Rule` (``rule_for``) does the work; the walkers only carry boxes, linear forms and
split constraints from node to node, remember per-node values the rules compute, and decide which nodes
to tighten by back-substitution (those feeding a layer whose linear bounds depend on its input box).
"""

import dataclasses
import math
import time
from collections.abc import Mapping
from typing import Any, Final, TypeAlias

import numpy as np

from verified_nn.layers import Layer
from verified_nn.network import Network

from ._box import Box, Splits
from ._errors import BoundsError, OutOfTimeError
from ._rounding import Rounding
from ._rule import Context, LinearForm, Step, rule_for

Array: TypeAlias = np.ndarray[Any, Any]
# Back-substitution rows per pass are chunked so that one coefficient array stays below this many values.
# Node bounds must stay this far below the deployed dtype's largest float for the rounding model (a relative
# error per operation) to hold: it assumes no sum overflows, and a dot product's partial sums may exceed its result.
FLOAT_HEADROOM: Final = 2.0**-40
CHUNK_VALUES: Final = 2**23


@dataclasses.dataclass(frozen=True)
class NodeSlopes:
    """The slopes one node's values were bounded with by back-substitution: ``values`` ``(k,)``, flat indices
    into the node; ``slopes`` per relaxed layer index, ``(domains or 1, 2k, *in)``: the rows of the ``k`` lower
    bounds (``+e_v``) and then of the ``k`` upper bounds (``-e_v``), in the order of ``values``."""

    values: Array
    slopes: dict[int, Array]

    def rows(self, positions: Array, domains: int) -> dict[int, Array]:
        """The slopes of the values at ``positions`` (lower rows, then upper), for ``domains`` domains."""
        take = np.concatenate([positions, len(self.values) + positions])
        return {i: np.broadcast_to(s[:, take], (domains, len(take), *s.shape[2:])) for i, s in self.slopes.items()}


@dataclasses.dataclass(frozen=True)
class NodeBounds:
    """Boxes around every node for a batch of domains: ``boxes[0]`` the input, ``boxes[i + 1]`` layer ``i``'s
    output; sound under ``rounding``. ``contexts`` hold what the rules remembered about each node;
    ``tightened`` the optimised slopes each node's values were bounded with (only from ``linear_bounds`` with
    ``optimise``), to start the bounds of sub-domains from."""

    boxes: tuple[Box, ...]
    rounding: Rounding
    contexts: tuple[Context, ...] = dataclasses.field(compare=False, repr=False)
    tightened: Mapping[int, NodeSlopes] = dataclasses.field(default_factory=dict, compare=False, repr=False)

    @property
    def output(self) -> Box:
        """The box around the network's output."""
        return self.boxes[-1]

    @property
    def domains(self) -> int:
        """How many domains are bounded."""
        return self.boxes[0].domains

    def within_float_range(self, dtype: Any) -> bool:
        """Whether every box is finite and within ``FLOAT_HEADROOM`` of ``dtype``'s largest float.

        Only then can a bound that counts the deployed network's rounding be trusted (no operation overflows).
        """
        return bool(self.in_float_range(dtype).all())

    def in_float_range(self, dtype: Any) -> Array:
        """``(domains,)``: :meth:`within_float_range` for each domain alone."""
        largest = float(np.finfo(dtype).max) * FLOAT_HEADROOM
        inside = np.ones(self.domains, dtype=bool)
        for box in self.boxes:
            inside &= np.all(np.abs(box.lower.reshape(self.domains, -1)) <= largest, axis=1)
            inside &= np.all(np.abs(box.upper.reshape(self.domains, -1)) <= largest, axis=1)
        return inside

    def infeasible(self) -> Array:
        """``(domains,)``: where split constraints leave some node with no value (the domain is empty)."""
        empty = np.zeros(self.domains, dtype=bool)
        for box in self.boxes:
            empty |= box.empty()
        return empty

    def unrounded(self) -> "NodeBounds":
        """The same boxes with no rounding allowance in what is bounded over them (``Rounding.none``): cheaper
        bounds that are *not* sound, for choices (slopes to try, splits to compare) that a sound pass then uses."""
        plain = Rounding.none(self.rounding.dtype)
        return NodeBounds(self.boxes, plain, tuple(Context(plain) for _ in self.boxes))

    def take(self, domains: Array) -> "NodeBounds":
        """The bounds of the chosen domains (index array or boolean mask), e.g. to start a child domain."""
        boxes = tuple(box.take(domains) for box in self.boxes)
        return NodeBounds(boxes, self.rounding, tuple(Context(self.rounding) for _ in boxes))


@dataclasses.dataclass(frozen=True)
class SpecBounds:
    """Rigorous lower bounds ``(domains, rows)`` of ``spec . node``, the part of them the deployed rounding
    took (the float allowance: the real network's bound over the same node boxes and slopes, less this one;
    0 for the real network), and the slopes used per layer index (``(domains, rows, *in)``; pass them back
    as ``slopes=`` to warm-start)."""

    lower: Array
    noise: Array
    slopes: dict[int, Array]


def _layers(network: Network[Any, Any]) -> tuple[Layer[Any, Any], ...]:
    if not isinstance(network, Network):
        raise BoundsError(f"bounds walk a verified_nn Network, got {type(network).__name__}")
    return network.layers


def _sane(box: Box) -> Box:
    """NaN (an overflow met a zero) becomes the widest bound."""
    if np.isnan(box.lower).any() or np.isnan(box.upper).any():
        return Box(np.nan_to_num(box.lower, nan=-np.inf), np.nan_to_num(box.upper, nan=np.inf))
    return box


def _start(network: Network[Any, Any], box: Box, rounding: Rounding, splits: Splits | None) -> Box:
    expected = network.input_shape()
    if expected is not None and box.shape != expected:
        raise BoundsError(f"the input box has shape {box.shape}, the network takes {expected}")
    return box.astype(rounding.dtype).constrained((splits or {}).get(0))


def interval_bounds(
    network: Network[Any, Any], box: Box, *, rounding: Rounding, splits: Splits | None = None
) -> NodeBounds:
    """Interval bound propagation: each layer's rule maps the box of its input to one of its output."""
    layers = _layers(network)
    boxes = [_start(network, box, rounding, splits)]
    contexts = [Context(rounding)]
    for index, layer in enumerate(layers):
        out = _sane(rule_for(layer, index=index).interval(layer, boxes[-1], contexts[-1]))
        boxes.append(out.constrained((splits or {}).get(index + 1)))
        contexts.append(Context(rounding))
    return NodeBounds(tuple(boxes), rounding, tuple(contexts))


def linear_bounds(
    network: Network[Any, Any],
    box: Box,
    *,
    rounding: Rounding,
    splits: Splits | None = None,
    known: NodeBounds | None = None,
    reuse: int = 0,
    limit: int = 4096,
    optimise: int = 0,
    slopes: Mapping[int, NodeSlopes] | None = None,
    deadline: float | None = None,
) -> NodeBounds:
    """Boxes around every node, those feeding a relaxed layer tightened by back-substitution (CROWN).

    ``known`` (bounds of the same domains, or of larger domains containing them) are intersected with what
    is computed; its first ``reuse`` nodes are taken as they are (a branch-and-bound child shares the
    nodes before its first split with its parent). Nodes wider than ``limit`` values per domain are
    tightened only where their box straddles 0 (where a ReLU's relaxation depends on it). With ``optimise``,
    each tightening also runs that many steps of alpha-CROWN on its own slopes, and the result's ``tightened``
    keeps the slopes every node's bounds came from. ``slopes`` (such a result's ``tightened``, of these domains
    or of one domain containing them all: a branch-and-bound root's) start the tightening of the values they
    cover: with ``optimise`` 0 one back-substitution at them (clipped into the boxes' ranges), which inside
    split sub-domains bounds much tighter than CROWN's own slopes; else the ascent from there. Past ``deadline``
    (``time.monotonic``), checked before each layer and each chunk of back-substituted rows: OutOfTimeError.
    """
    layers = _layers(network)
    if known is not None and (known.domains != box.domains or len(known.boxes) != len(layers) + 1):
        raise BoundsError("known bounds must cover the same domains and every node of the network")
    if reuse and known is None:
        raise BoundsError("reuse needs known bounds")
    signs = splits or {}
    boxes = [_start(network, box, rounding, splits)] if reuse == 0 else list(known.boxes[:reuse])  # type: ignore[union-attr]
    contexts = [Context(rounding) for _ in boxes] if reuse == 0 else list(known.contexts[:reuse])  # type: ignore[union-attr]
    relaxed_before = any(rule_for(layer, index=i).relaxed for i, layer in enumerate(layers[: len(boxes) - 1]))
    tightened: dict[int, NodeSlopes] = {}
    for index in range(len(boxes) - 1, len(layers)):
        _in_time(deadline)
        layer = layers[index]
        rule = rule_for(layer, index=index)
        relaxed_before |= rule.relaxed
        out = _sane(rule.interval(layer, boxes[-1], contexts[-1]))
        node = index + 1
        if known is not None:
            out = out.intersect(known.boxes[node])
        out = out.constrained(signs.get(node))
        feeds_relaxed = node < len(layers) and rule_for(layers[node], index=node).relaxed
        if relaxed_before and feeds_relaxed:
            partial = NodeBounds((*boxes, out), rounding, (*contexts, Context(rounding)))
            start = (slopes or {}).get(node)
            out, used = _tighten(layers, partial, node, limit, optimise, start, deadline)
            out = out.constrained(signs.get(node))
            if used is not None:
                tightened[node] = used
        boxes.append(out)
        contexts.append(Context(rounding))
    return NodeBounds(tuple(boxes), rounding, tuple(contexts), tightened)


def _in_time(deadline: float | None) -> None:
    """OutOfTimeError once ``deadline`` has passed."""
    if deadline is not None and time.monotonic() > deadline:
        raise OutOfTimeError


def _tighten(
    layers: tuple[Layer[Any, Any], ...],
    nodes: NodeBounds,
    node: int,
    limit: int,
    optimise: int,
    start: NodeSlopes | None,
    deadline: float | None,
) -> tuple[Box, NodeSlopes | None]:
    """The box of ``node`` intersected with back-substituted bounds of each of its values, and with
    ``optimise`` the slopes they came from (values ``start`` covers start from its slopes)."""
    box = nodes.boxes[node]
    domains, size = box.domains, math.prod(box.shape)
    low, high = box.lower.reshape(domains, size), box.upper.reshape(domains, size)
    open_ = np.any(low < high, axis=0)
    if size > limit:
        open_ &= np.any((low < 0) & (high > 0), axis=0)
    chosen = np.flatnonzero(open_)
    # One value per row: the deployed rounding at the box's largest magnitudes, which costs no product per row
    # (charged jointly, it moves the mnist_fc 256x6 allowance from 0.409 to 0.408 and costs a fifth more).
    nodes = NodeBounds(nodes.boxes, nodes.rounding, tuple(dataclasses.replace(c, joint=False) for c in nodes.contexts))
    widest = max(math.prod(b.shape) for b in nodes.boxes[: node + 1])
    per_chunk = max(1, CHUNK_VALUES // (2 * domains * widest))
    new_low, new_high = low.copy(), high.copy()
    groups: list[tuple[Array, Array | None]] = [(chosen, None)]
    if start is not None:  # the values start covers, by their positions in it; the rest from CROWN's slopes
        covered = np.isin(chosen, start.values)
        where = np.flatnonzero(np.isin(start.values, chosen))
        groups = [(start.values[where], where), (chosen[~covered], None)]
    values: list[Array] = []
    lower_rows: dict[int, list[Array]] = {}
    upper_rows: dict[int, list[Array]] = {}
    for group, positions in groups:
        for first in range(0, len(group), per_chunk):
            _in_time(deadline)
            part = group[first : first + per_chunk]
            k = len(part)
            spec = np.zeros((2 * k, size), dtype=nodes.rounding.dtype)
            spec[np.arange(k), part] = 1
            spec[k + np.arange(k), part] = -1
            lam = np.broadcast_to(spec.reshape(2 * k, *box.shape), (domains, 2 * k, *box.shape))
            warm = None if start is None or positions is None else start.rows(positions[first : first + k], domains)
            if optimise:
                from ._optimise import optimise_slopes

                found = optimise_slopes(
                    Network(layers), nodes, lam, iterations=optimise, node=node, slopes=warm, measure=False
                )
                lower = found.lower
                values.append(part)
                for i, chosen_slopes in found.slopes.items():
                    lower_rows.setdefault(i, []).append(chosen_slopes[:, :k])
                    upper_rows.setdefault(i, []).append(chosen_slopes[:, k:])
            elif warm is not None:
                from ._optimise import start_slopes

                at, _ = start_slopes(layers, nodes, warm, top=node, stop=0, rows=2 * k)
                lower, _, _ = _back(layers, nodes, LinearForm.start(lam, nodes.rounding.dtype), node, 0, at)
            else:
                lower, _, _ = _back(layers, nodes, LinearForm.start(lam, nodes.rounding.dtype), node, 0, None)
            new_low[:, part] = np.maximum(new_low[:, part], lower[:, :k])
            new_high[:, part] = np.minimum(new_high[:, part], -lower[:, k:])
    tightened = Box(new_low.reshape(box.lower.shape), new_high.reshape(box.upper.shape))
    if not optimise or not values:
        return tightened, None
    kept = {i: np.concatenate(lower_rows[i] + upper_rows[i], axis=1) for i in lower_rows}
    return tightened, NodeSlopes(np.concatenate(values), kept)


def _back(
    layers: tuple[Layer[Any, Any], ...],
    nodes: NodeBounds,
    form: LinearForm,
    top: int,
    stop: int,
    slopes: Mapping[int, Array] | None,
) -> tuple[Array, LinearForm, list[tuple[int, Step]]]:
    """Back-substitute ``form`` (on node ``top``) down to node ``stop``; its lower bound there, ``(domains, rows)``."""
    steps: list[tuple[int, Step]] = []
    for index in range(top - 1, stop - 1, -1):
        layer = layers[index]
        chosen = None if slopes is None else slopes.get(index)
        form, step = rule_for(layer, index=index).linear(layer, form, nodes.boxes[index], nodes.contexts[index], chosen)
        steps.append((index, step))
    return _concretize(form, nodes.boxes[stop], nodes.rounding, nodes.contexts[stop]), form, steps


def _concretize(form: LinearForm, box: Box, rounding: Rounding, ctx: Context | None = None) -> Array:
    """``min over the box of lam . x + const``, less the error and the noise, rounded down: ``(domains, rows)``.

    ``ctx`` (the box's context) remembers the box's centre and radius for the next pass over the same box."""
    lam = form.lam
    domains, rows = lam.shape[:2]
    flat = lam.reshape(domains, rows, -1)
    centre = (ctx or Context(rounding)).remember("centre", lambda: _centre(box, rounding))
    if centre is not None:
        return _concretize_finite(form, flat, centre, rounding)
    low = box.lower.reshape(domains, 1, -1)
    high = box.upper.reshape(domains, 1, -1)
    with np.errstate(invalid="ignore", over="ignore"):
        corner = np.where(flat > 0, low, np.where(flat < 0, high, 0.0))  # the minimising corner (0 * inf = 0)
        value = (flat * corner).sum(axis=2) + form.const
        error = form.error
        if rounding.outward:
            magnitude = np.abs(corner)
            error = error + rounding.sum_error(
                (np.abs(flat) * magnitude).sum(axis=2) + np.abs(form.const), flat.shape[2]
            )
        lower = rounding.down(value - rounding.up(error + form.noise))
    result: Array = np.nan_to_num(lower, nan=-np.inf)
    return result


def _centre(box: Box, rounding: Rounding) -> tuple[Array, Array] | None:
    """The box's ``(mu, r)`` (:meth:`Box.center_radius`), None unless the box is finite."""
    if not (np.isfinite(box.lower).all() and np.isfinite(box.upper).all()):
        return None
    return box.center_radius(rounding)


def _concretize_finite(form: LinearForm, flat: Array, centre: tuple[Array, Array], rounding: Rounding) -> Array:
    """:func:`_concretize` on a finite box, as matrix products: over ``[mu - r, mu + r]`` (which contains the
    box) the minimum of ``lam . x`` is ``lam . mu - |lam| . r``. The two sums of ``n`` products each, the
    difference and the constant are at most ``n + 2`` rounded terms whose absolute values total at most
    ``|lam| . (|mu| + r) + |const|`` (each ``|x_i| <= |mu_i| + r_i``), the error charged."""
    domains, _, size = flat.shape
    mu, r = centre
    mu, r = mu.reshape(domains, size, 1), r.reshape(domains, size, 1)
    magnitude = np.abs(flat)  # (domains, rows, n): one pass, then two batched matrix-vector products
    with np.errstate(invalid="ignore", over="ignore"):
        centre = np.matmul(flat, mu)[..., 0]
        spread = np.matmul(magnitude, np.concatenate([r, np.abs(mu)], axis=2))  # (domains, rows, 2)
        value = centre - spread[..., 0] + form.const
        error = form.error
        if rounding.outward:
            absolute = spread[..., 0] + spread[..., 1] + np.abs(form.const)
            error = error + rounding.sum_error(absolute, size + 2)
        lower = rounding.down(value - rounding.up(error + form.noise))
    result: Array = np.nan_to_num(lower, nan=-np.inf)
    return result


def _spec(spec: Array, nodes: NodeBounds, node: int) -> Array:
    shape = nodes.boxes[node].shape
    spec = np.asarray(spec, dtype=nodes.rounding.dtype)
    if spec.shape[-len(shape) :] != shape or spec.ndim not in (len(shape) + 1, len(shape) + 2):
        raise BoundsError(f"spec must be (rows, {shape}) or (domains, rows, {shape}), got {spec.shape}")
    if spec.ndim == len(shape) + 1:
        spec = np.broadcast_to(spec, (nodes.domains, *spec.shape))
    if spec.shape[0] != nodes.domains:
        raise BoundsError(f"spec has {spec.shape[0]} domains, the bounds {nodes.domains}")
    return spec


def _default_slopes(
    layers: tuple[Layer[Any, Any], ...], nodes: NodeBounds, top: int, stop: int, rows: int
) -> dict[int, Array]:
    slopes = {}
    for index in range(stop, top):
        layer = layers[index]
        initial = rule_for(layer, index=index).initial_slopes(layer, nodes.boxes[index], nodes.contexts[index])
        if initial is not None:
            slopes[index] = np.repeat(initial[:, np.newaxis], rows, axis=1)
    return slopes


def spec_bounds(
    network: Network[Any, Any],
    nodes: NodeBounds,
    spec: Array,
    *,
    slopes: Mapping[int, Array] | None = None,
    node: int | None = None,
    stop: int = 0,
) -> SpecBounds:
    """Lower bounds of each row of ``spec`` dotted with node ``node`` (default: the output), by back-substitution
    to node ``stop`` (default the input; ``stop = node - 1`` is interval propagation with the last layer folded).

    ``spec`` is ``(rows, *node shape)`` shared by every domain or ``(domains, rows, *node shape)``; ``slopes``
    (per layer index, ``(domains, rows, *in)``) choose the free lower slopes (default: CROWN's choice).
    Infeasible domains (split constraints with no point) get ``+inf``.
    """
    layers = _layers(network)
    top = len(layers) if node is None else node
    rows_spec = _spec(spec, nodes, top)
    chosen = dict(slopes) if slopes is not None else _default_slopes(layers, nodes, top, stop, rows_spec.shape[1])
    lower, _, _ = _back(layers, nodes, LinearForm.start(rows_spec, nodes.rounding.dtype), top, stop, chosen)
    lower = np.where(nodes.infeasible()[:, np.newaxis], np.inf, lower)
    return SpecBounds(lower, allowance(layers, nodes, rows_spec, lower, chosen, top=top, stop=stop), chosen)


def allowance(
    layers: tuple[Layer[Any, Any], ...],
    nodes: NodeBounds,
    spec: Array,
    lower: Array,
    slopes: Mapping[int, Array],
    *,
    top: int,
    stop: int,
) -> Array:
    """``(domains, rows)``: what the deployed rounding took from the bounds ``lower``: the bound of the real
    network over the same node boxes with the same slopes, less ``lower`` (0 without a deployed dtype)."""
    if not nodes.rounding.noisy:
        return np.zeros_like(lower)
    real = dataclasses.replace(nodes.rounding, deployed=None)
    plain = NodeBounds(nodes.boxes, real, tuple(Context(real) for _ in nodes.boxes))
    base, _, _ = _back(layers, plain, LinearForm.start(spec, real.dtype), top, stop, slopes)
    with np.errstate(invalid="ignore"):
        taken = np.where(np.isfinite(lower), np.maximum(base - lower, 0.0), np.where(np.isfinite(base), np.inf, 0.0))
    result: Array = np.where(nodes.infeasible()[:, np.newaxis], 0.0, taken)
    return result


def bound_gradient(
    network: Network[Any, Any],
    nodes: NodeBounds,
    spec: Array,
    slopes: Mapping[int, Array],
    *,
    node: int | None = None,
    stop: int = 0,
    measure: bool = True,
) -> tuple[SpecBounds, dict[int, Array]]:
    """The bound of :func:`spec_bounds` with these slopes and its gradient with respect to each slope array.

    Without ``measure`` the allowance is left 0 (one back-substitution fewer, for callers that iterate).

    Written by hand: with the choices of every step fixed the bound is linear in the coefficients, so its
    gradient with respect to a node's coefficients is the chosen linear bounds run forward from the
    minimising corner of the input box; a slope's gradient follows from its layer's coefficients.
    """
    layers = _layers(network)
    top = len(layers) if node is None else node
    rows_spec = _spec(spec, nodes, top)
    lower, form, steps = _back(layers, nodes, LinearForm.start(rows_spec, nodes.rounding.dtype), top, stop, slopes)
    box = nodes.boxes[stop]
    lam = form.lam
    witness = np.where(lam >= 0, box.lower[:, np.newaxis], box.upper[:, np.newaxis])
    gradients: dict[int, Array] = {}
    for index, step in reversed(steps):
        found = step.slope_gradient(witness)
        if found is not None:
            gradients[index] = found
        witness = step.witness(witness)
    lower = np.where(nodes.infeasible()[:, np.newaxis], np.inf, lower)
    taken = allowance(layers, nodes, rows_spec, lower, slopes, top=top, stop=stop) if measure else np.zeros_like(lower)
    return SpecBounds(lower, taken, dict(slopes)), gradients
