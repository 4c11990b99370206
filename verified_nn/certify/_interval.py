"""Interval bound propagation (IBP), rounded outward: boxes around every layer of the real network.

For ``z = W a + b`` with ``a`` in ``[l, h]``: ``z`` lies in ``[W+ l + W- h + b, W+ h + W- l + b]``
(``W+ = max(W, 0)``, ``W- = min(W, 0)``). Each bound is computed in float64 and then moved outward by
the rigorous error of that computation (:func:`._rounding.slack`) and one ``nextafter``.
"""

import dataclasses
from typing import Any, TypeAlias

import numpy as np

from ._ball import Ball
from ._network import DenseNetwork
from ._rounding import U64, down, slack, up

Array: TypeAlias = np.ndarray[Any, Any]


@dataclasses.dataclass(frozen=True)
class Bounds:
    """Rigorous bounds on each layer's output before its activation, for every input in a ball.

    ``lower[i] <= z_i(x) <= upper[i]`` for the real-valued network and every real ``x`` in the ball;
    the last pair bounds the logits. All float64.
    """

    lower: tuple[Array, ...]
    upper: tuple[Array, ...]

    def magnitude(self, i: int) -> Array:
        """An upper bound on ``|z_i|`` (and so on ``|act(z_i)|``, as ``|act(z)| <= |z|``)."""
        result: Array = np.maximum(np.abs(self.lower[i]), np.abs(self.upper[i]))
        return result

    def intersect(self, other: "Bounds") -> "Bounds":
        """The tighter of two sound bounds, layer by layer (still sound: both contain the truth)."""
        return Bounds(
            lower=tuple(np.maximum(a, b) for a, b in zip(self.lower, other.lower, strict=True)),
            upper=tuple(np.minimum(a, b) for a, b in zip(self.upper, other.upper, strict=True)),
        )


def affine_interval(network: DenseNetwork, i: int, low: Array, high: Array) -> tuple[Array, Array]:
    """Rigorous bounds on ``W_i a + b_i`` for every real ``a`` in ``[low, high]`` (float64 vectors)."""
    w, w_abs, b = network.exact[i]
    positive, negative = np.maximum(w, 0), np.minimum(w, 0)
    lower = positive @ low + negative @ high + b  # (out,)
    upper = positive @ high + negative @ low + b
    # Each entry sums 2n products and the bias (2n + 2 roundings bound any order of evaluation).
    error = slack(w_abs @ np.maximum(np.abs(low), np.abs(high)) + np.abs(b), 2 * w.shape[1] + 2)
    return down(lower - error), up(upper + error)


def activation_interval(network: DenseNetwork, i: int, low: Array, high: Array) -> tuple[Array, Array]:
    """Rigorous bounds on activation ``i`` of ``z`` in ``[low, high]`` (both activations are monotone)."""
    slope = network.deployed_slope(i)
    if slope == 0:
        return np.maximum(low, 0), np.maximum(high, 0)
    return np.where(low > 0, low, down(low * slope)), np.where(high > 0, high, up(high * slope))


def interval_bounds(network: DenseNetwork, ball: Ball) -> Bounds:
    """IBP through the whole network: rigorous boxes around every layer's pre-activation."""
    lowers, uppers = [], []
    low, high = ball.lower, ball.upper
    for i in range(len(network.weights)):
        z_low, z_high = affine_interval(network, i, low, high)
        lowers.append(z_low)
        uppers.append(z_high)
        if i < len(network.slopes):
            low, high = activation_interval(network, i, z_low, z_high)
    return Bounds(lower=tuple(lowers), upper=tuple(uppers))


def interval_margins(bounds: Bounds, label: int) -> Array:
    """Lower bounds on ``z_label - z_j`` for every class ``j`` from the logit boxes (``+inf`` at ``label``)."""
    margins: Array = down(bounds.lower[-1][label] - bounds.upper[-1])
    margins[label] = np.inf
    return margins


def elided_margins(network: DenseNetwork, bounds: Bounds, ball: Ball, label: int) -> Array:
    """Lower bounds on ``z_label - z_j`` with the last layer folded into the difference (``+inf`` at ``label``).

    ``z_label - z_j = (w_label - w_j) a + (b_label - b_j)`` is affine in the last hidden activation ``a``,
    so its minimum over ``a``'s box is exact up to rounding (Gowal et al. 2018); the difference of the
    logit boxes (:func:`interval_margins`) forgets that both logits see the same ``a``. The rows
    ``w_label - w_j`` and the bias differences round once each (relative ``2**-53``), which the error term
    covers with the sums. Returns the tighter of this and :func:`interval_margins`, entry by entry.
    """
    last = len(network.weights) - 1
    if last == 0:
        low, high = ball.lower, ball.upper
    else:
        low, high = activation_interval(network, last - 1, bounds.lower[last - 1], bounds.upper[last - 1])
    w, _, b = network.exact[last]
    rows = w[label] - w  # (classes, n), each entry rounded at most once
    shift = b[label] - b  # (classes,)
    lower = np.maximum(rows, 0) @ low + np.minimum(rows, 0) @ high + shift
    magnitude = np.maximum(np.abs(low), np.abs(high))
    absolute = np.abs(rows) @ magnitude + np.abs(shift)
    error = slack(absolute, 2 * w.shape[1] + 2) + 2 * U64 * absolute  # the sums, then the rounded differences
    margins: Array = np.maximum(down(lower - error), interval_margins(bounds, label))
    margins[label] = np.inf
    return margins
