"""Split constraints inside the bound: beta-CROWN (Wang et al. 2021) on the bound core's walkers.

Branch-and-bound fixes the sign of some ReLU inputs in a domain (``s_j z_j >= 0``, ``s_j = +1`` or
``-1``). Clipping those values' boxes (``Box.constrained``) makes their relaxation exact, but says
nothing about the *inputs* that reach the domain. With multipliers ``beta_j >= 0``, every trajectory of
the domain has ``c . y >= c . y - sum_j beta_j s_j z_j``, and the right side is bounded by ordinary
back-substitution with ``-beta_j s_j`` added to the coefficient of ``z_j`` when the walk passes node
``j``: any ``beta >= 0`` gives a sound bound, and gradient ascent on ``beta`` (with the slopes of
alpha-CROWN) tightens it. Rounding: the coefficient ``fl(lam - beta s)`` moves from ``lam`` in the
direction of ``-s`` (rounding is monotone), so the multiplier actually used has the right sign and the
bound stays rigorous without an extra term.

The relaxation costs per unstable value (what branching should split next) and the input corner where
each row's linear bound is attained (a start for attacks) come out of the same pass.
"""

import dataclasses
import time
from collections.abc import Mapping
from typing import Any, TypeAlias

import numpy as np

from verified_nn.network import Network

from ._elementwise import _ElementwiseStep
from ._errors import BoundsError
from ._optimise import adam_step, start_slopes
from ._rule import LinearForm, Step, rule_for
from ._walk import NodeBounds, _concretize, _layers, _spec

Array: TypeAlias = np.ndarray[Any, Any]


@dataclasses.dataclass(frozen=True)
class SplitBounds:
    """``lower`` ``(domains, rows)``; the slopes (per layer) and multipliers (per split node, ``(domains, rows,
    *shape)``) that gave it; ``costs[i]`` ``(domains, rows, *shape)`` what each value's upper line at layer
    ``i`` took from the bound (``-lam * intercept``); ``backup[i]`` what its lower line may take at most
    (``|lam| min(u, -l)`` where unstable), for when no upper line costs anything; ``corner`` ``(domains,
    rows, *input shape)`` the input attaining the bound; ``inputs`` the bound's coefficients there (how much
    each input's range costs it: what input splitting halves)."""

    lower: Array
    slopes: dict[int, Array]
    betas: dict[int, Array]
    costs: dict[int, Array]
    corner: Array
    backup: dict[int, Array] = dataclasses.field(default_factory=dict)  # |lam| min(u, -l) where unstable
    inputs: Array | None = None  # (domains, rows, *input shape): the bound's coefficients on the input


def _walk(
    layers: tuple[Any, ...],
    nodes: NodeBounds,
    spec: Array,
    slopes: Mapping[int, Array],
    betas: Mapping[int, Array],
    signs: Mapping[int, Array],
) -> tuple[Array, LinearForm, list[tuple[int, Step]]]:
    form = LinearForm.start(spec, nodes.rounding.dtype)
    steps: list[tuple[int, Step]] = []
    for index in range(len(layers) - 1, -1, -1):
        node = index + 1  # the form is on layer index's output
        if node in betas:
            form = form.replace(lam=form.lam - betas[node] * signs[node][:, np.newaxis])
        layer = layers[index]
        form, step = rule_for(layer, index=index).linear(
            layer, form, nodes.boxes[index], nodes.contexts[index], slopes.get(index)
        )
        steps.append((index, step))
    if 0 in betas:
        form = form.replace(lam=form.lam - betas[0] * signs[0][:, np.newaxis])
    return _concretize(form, nodes.boxes[0], nodes.rounding, nodes.contexts[0]), form, steps


def _gradients(
    nodes: NodeBounds,
    form: LinearForm,
    steps: list[tuple[int, Step]],
    signs: Mapping[int, Array],
    *,
    slopes: bool = True,
    relaxations: bool = True,
) -> tuple[dict[int, Array], dict[int, Array], tuple[dict[int, Array], dict[int, Array]], Array]:
    """Gradients of the bound in the slopes and the multipliers (with ``slopes``), the relaxation costs (with
    ``relaxations``), and the corner."""
    box = nodes.boxes[0]
    witness = np.where(form.lam >= 0, box.lower[:, np.newaxis], box.upper[:, np.newaxis])
    corner = witness
    slope_gradients: dict[int, Array] = {}
    beta_gradients: dict[int, Array] = {}
    costs: dict[int, Array] = {}
    backup: dict[int, Array] = {}
    if 0 in signs and slopes:
        beta_gradients[0] = -signs[0][:, np.newaxis] * witness
    for index, step in reversed(steps):
        found = step.slope_gradient(witness) if slopes else None
        if found is not None:
            slope_gradients[index] = found
        if relaxations and isinstance(step, _ElementwiseStep):
            costs[index] = np.maximum(-(step.lam * step.intercept), 0.0)
            box = nodes.boxes[index]
            gap = np.where((box.lower < 0) & (box.upper > 0), np.minimum(box.upper, -box.lower), 0.0)
            backup[index] = np.abs(step.lam) * gap[:, np.newaxis]
        if not slopes:
            continue
        witness = step.witness(witness)
        if index + 1 in signs:
            beta_gradients[index + 1] = -signs[index + 1][:, np.newaxis] * witness
    return slope_gradients, beta_gradients, (costs, backup), corner


def _keep(store: Array, value: Array, better: Array, active: Array) -> None:
    """``store[active]`` takes ``value`` where ``better`` (``(active, rows)``), in place."""
    mask = _expand(better, value)
    if len(active) == len(store):
        np.copyto(store, value, where=mask)
    else:
        store[active] = np.where(mask, value, store[active])


def _expand(mask: Array, like: Array) -> Array:
    """``(domains, rows)`` ``mask`` with axes added to broadcast against ``like`` ``(domains, rows, ...)``."""
    return mask.reshape(*mask.shape, *([1] * (like.ndim - 2)))


def _take(values: Array, keep: Array, mask: Array) -> Array:
    """The kept domains of ``values``, unless it is shared by every domain (a leading axis of 1)."""
    return values[keep] if len(values) == len(mask) else values


def _met(lower: Array, goal: Array, groups: Array | None) -> Array:
    """``(domains,)``: whether some row of each group (every row one group when None) is above its goal."""
    hit = (lower > goal) | np.isneginf(goal)
    if groups is None:
        return np.asarray(hit.any(axis=1))
    met = np.ones(len(hit), dtype=bool)
    for k in np.unique(groups):
        met &= hit[:, groups == k].any(axis=1)
    return met


def split_bounds(
    network: Network[Any, Any],
    nodes: NodeBounds,
    spec: Array,
    *,
    splits: Mapping[int, Array] | None = None,
    iterations: int = 0,
    rate: float = 0.1,
    slopes: Mapping[int, Array] | None = None,
    betas: Mapping[int, Array] | None = None,
    deadline: float | None = None,
    target: Array | None = None,
    groups: Array | None = None,
) -> SplitBounds:
    """Lower bounds of ``spec . output`` over the domains whose split constraints ``splits`` are (node ->
    ``(domains, *shape)`` int8, +1 ``>= 0``, -1 ``<= 0``), with ``iterations`` steps of joint gradient
    ascent on the slopes and the multipliers (Adam, from ``slopes``/``betas`` or CROWN's slopes and zero).

    Each row keeps the best bound seen with its slopes and multipliers; infeasible domains get ``+inf``.
    Past ``deadline`` (``time.monotonic``) no further step is taken: the best bound so far is returned.
    A domain where some row's bound exceeds ``target`` (``(rows,)`` or ``(domains, rows)``: what a proof
    needs) takes no further step either: once a tenth of the domains are there, the rest go on alone. With
    ``groups`` (``(rows,)`` int, the conjunction of each row), a domain needs such a row in every group; a
    target of ``-inf`` counts as met.
    """
    if iterations < 0 or not rate > 0:
        raise BoundsError(f"split_bounds: iterations must be >= 0 and rate > 0, got {iterations}, {rate}")
    layers = _layers(network)
    rows = _spec(spec, nodes, len(layers))
    count = rows.shape[1]
    signs = {n: np.asarray(s, dtype=nodes.rounding.dtype) for n, s in (splits or {}).items() if np.any(s)}
    # The ascent steps on bounds without the rounding allowances (a third cheaper; the slopes they choose are
    # as good), and the slopes and multipliers it keeps are bounded once more with them: that bound is returned.
    infeasible = nodes.infeasible()[:, np.newaxis]  # the unrounded nodes have the same boxes
    sound = (nodes, rows, signs, infeasible)
    if iterations and nodes.rounding.outward:
        nodes = nodes.unrounded()
    current, ranges = start_slopes(layers, nodes, slopes, top=len(layers), stop=0, rows=count)
    multipliers = {
        n: np.zeros((nodes.domains, count, *s.shape[1:]), dtype=nodes.rounding.dtype) for n, s in signs.items()
    }
    for n, given in (betas or {}).items():
        if n in multipliers:
            multipliers[n] = np.maximum(np.asarray(given, dtype=nodes.rounding.dtype), 0) * (signs[n][:, None] != 0)
    variables = {("a", i): v for i, v in current.items()} | {("b", n): v for n, v in multipliers.items()}
    moments = {k: (np.zeros_like(v), np.zeros_like(v)) for k, v in variables.items()}
    best_lower = np.full((nodes.domains, count), -np.inf)
    kept = {k: v.copy() for k, v in variables.items()}
    goal = None if target is None else np.broadcast_to(np.asarray(target, dtype=np.float64), best_lower.shape)
    active = np.arange(nodes.domains)  # the domains still stepped; the others keep their best bound
    for iteration in range(iterations + 1):
        slope_now = {i: variables[("a", i)] for i in current}
        beta_now = {n: variables[("b", n)] for n in multipliers}
        lower, form, steps = _walk(layers, nodes, rows, slope_now, beta_now, signs)
        lower = np.where(infeasible, np.inf, lower)
        better = lower > best_lower[active]
        if iteration == 0:
            better = np.ones_like(better)
        _keep(best_lower, lower, better, active)
        for key, value in variables.items():
            _keep(kept[key], value, better, active)
        if iteration == iterations or (deadline is not None and time.monotonic() > deadline):
            break
        slope_grad, beta_grad, _, _ = _gradients(nodes, form, steps, signs, relaxations=False)
        for key, value in variables.items():
            gradient = slope_grad.get(key[1]) if key[0] == "a" else beta_grad.get(key[1])
            if gradient is None:
                continue
            step, moments[key] = adam_step(gradient, moments[key], iteration)
            moved = value + rate * step  # ascent: the bound is a lower bound
            if key[0] == "a":
                variables[key] = np.clip(moved, *ranges[key[1]])
            else:
                variables[key] = np.maximum(moved, 0) * (signs[key[1]][:, np.newaxis] != 0)
        if goal is not None:
            done = _met(best_lower[active], goal[active], groups)
            if done.all():
                break
            if done.mean() >= 0.1:  # drop them: the next steps cost what the open domains need
                keep = np.flatnonzero(~done)
                active = active[keep]
                nodes, rows, infeasible = nodes.take(keep), rows[keep], infeasible[keep]
                signs = {n: v[keep] for n, v in signs.items()}
                variables = {k: v[keep] for k, v in variables.items()}
                moments = {k: (m[0][keep], m[1][keep]) for k, m in moments.items()}
                ranges = {i: (_take(r[0], keep, done), _take(r[1], keep, done)) for i, r in ranges.items()}
    slopes_kept = {i: kept[("a", i)] for i in current}
    betas_kept = {n: kept[("b", n)] for n in multipliers}
    if iterations:  # the kept slopes and multipliers bounded once more (soundly, when the steps were not)
        lower, form, steps = _walk(layers, sound[0], sound[1], slopes_kept, betas_kept, sound[2])
        best_lower = np.where(sound[3], np.inf, lower)
    # What branching and attacks need, from that one bound: relaxation costs, the corner, input coefficients.
    _, _, (costs, backup), corner = _gradients(sound[0], form, steps, sound[2], slopes=False)
    return SplitBounds(best_lower, slopes_kept, betas_kept, costs, corner, backup, form.lam)
