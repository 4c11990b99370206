"""alpha-CROWN: the free lower slopes of the relaxations chosen by projected gradient ascent on the bound.

The slopes are explicit arrays (per layer index, ``(domains, rows, *in)``: each row of the specification
gets its own, Xu et al. 2021). Every iterate gives a sound bound, so the best bound seen for each row is
kept with its slopes; the gradient (:func:`bound_gradient`) is written by hand. Adam steps, each followed
by clipping into the slopes' range ``[a, c]`` of the layer's pieces.
"""

from collections.abc import Mapping
from typing import Any, TypeAlias

import numpy as np

from verified_nn.layers import Layer
from verified_nn.network import Network

from ._errors import BoundsError
from ._rule import rule_for
from ._walk import NodeBounds, SpecBounds, _default_slopes, _layers, _spec, allowance, bound_gradient

Array: TypeAlias = np.ndarray[Any, Any]


def start_slopes(
    layers: tuple[Layer[Any, Any], ...],
    nodes: NodeBounds,
    slopes: Mapping[int, Array] | None,
    *,
    top: int,
    stop: int,
    rows: int,
) -> tuple[dict[int, Array], dict[int, tuple[Array, Array]]]:
    """The slopes an ascent starts from (``slopes``, or where None or empty CROWN's choice for the layers
    between ``stop`` and ``top``), as fresh arrays in the bounds' dtype clipped into their range, and those ranges
    ``(low, high)`` ``(domains, 1, *in)`` per layer index; BoundsError for a layer without free slopes."""
    chosen = slopes if slopes else _default_slopes(layers, nodes, top, stop, rows)
    current = {i: np.array(s, dtype=nodes.rounding.dtype) for i, s in chosen.items()}
    ranges = {}
    for index in current:
        found = rule_for(layers[index], index=index).slope_range(
            layers[index], nodes.boxes[index], nodes.contexts[index]
        )
        if found is None:
            raise BoundsError(f"layer {index}, {layers[index]!r}, has no free slopes")
        ranges[index] = (found[0][:, np.newaxis], found[1][:, np.newaxis])
        current[index] = np.clip(current[index], *ranges[index])
    return current, ranges


def adam_step(gradient: Array, moments: tuple[Array, Array], iteration: int) -> tuple[Array, tuple[Array, Array]]:
    """One Adam step (``beta = 0.9, 0.999``) for ``gradient`` at ``iteration`` (from 0): the step and the new
    moments. NaN gradients (an infinite bound) count as 0."""
    gradient = np.nan_to_num(gradient)
    first = 0.9 * moments[0] + 0.1 * gradient
    second = 0.999 * moments[1] + 0.001 * gradient**2
    step = first / (1 - 0.9 ** (iteration + 1)) / (np.sqrt(second / (1 - 0.999 ** (iteration + 1))) + 1e-12)
    return step, (first, second)


def optimise_slopes(
    network: Network[Any, Any],
    nodes: NodeBounds,
    spec: Array,
    *,
    iterations: int = 20,
    rate: float = 0.1,
    slopes: Mapping[int, Array] | None = None,
    node: int | None = None,
    stop: int = 0,
    measure: bool = True,
) -> SpecBounds:
    """The best bounds of :func:`spec_bounds` over ``iterations`` steps of projected gradient ascent on the
    slopes, starting from ``slopes`` (a previous result's, to warm-start) or CROWN's choice.

    Each row's bound is the largest sound bound seen for it, returned with the slopes that gave it, and, with
    ``measure``, the allowance the deployed rounding took from it (one more back-substitution; else 0).
    """
    if iterations < 0 or not rate > 0:
        raise BoundsError(f"optimise_slopes: iterations must be >= 0 and rate > 0, got {iterations}, {rate}")
    layers = _layers(network)
    top = len(layers) if node is None else node
    rows = _spec(spec, nodes, top).shape[1]
    current, ranges = start_slopes(layers, nodes, slopes, top=top, stop=stop, rows=rows)
    best: SpecBounds | None = None
    kept = {i: s.copy() for i, s in current.items()}
    moments = {i: (np.zeros_like(s), np.zeros_like(s)) for i, s in current.items()}
    for iteration in range(iterations + 1):
        found_bounds, gradients = bound_gradient(network, nodes, spec, current, node=node, stop=stop, measure=False)
        if best is None:
            best = found_bounds
        else:
            better = found_bounds.lower > best.lower  # (domains, rows)
            for i in kept:
                mask = better.reshape(*better.shape, *([1] * (kept[i].ndim - 2)))
                kept[i] = np.where(mask, current[i], kept[i])
            best = SpecBounds(np.where(better, found_bounds.lower, best.lower), best.noise, kept)
        if iteration == iterations:
            break
        for i, gradient in gradients.items():
            step, moments[i] = adam_step(gradient, moments[i], iteration)
            current[i] = np.clip(current[i] + rate * step, *ranges[i])  # ascent: the bound is a lower bound
    assert best is not None
    final = {i: s.copy() for i, s in kept.items()}
    if not measure:
        return SpecBounds(best.lower, np.zeros_like(best.lower), final)
    taken = allowance(layers, nodes, _spec(spec, nodes, top), best.lower, final, top=top, stop=stop)
    return SpecBounds(best.lower, taken, final)
