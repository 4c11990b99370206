"""CROWN-IBP margins (Zhang et al. 2020): back-substitution from the margins to the input, on interval boxes.

The margins ``z_j - z_y`` are rewritten layer by layer as a linear function of the input, ``Lam x + c``,
with ``Lam`` ``(batch, classes, n)`` per image: a dense layer exactly (``Lam W``, ``c += Lam b``); a ReLU or
leaky ReLU with pre-activation box ``[l, u]`` (from interval propagation) by one linear bound per neuron
on the side that keeps the result an upper bound: ``s z + t`` (the chord) where ``Lam >= 0``, ``alpha z``
where ``Lam < 0``. Over the input box the largest value is
``Lam mu + |Lam| r + c``. The backward pass below differentiates this with respect to the weights and to
the boxes ``[l, u]`` (through the chord), which interval propagation's backward then carries down.
"""

from typing import Any, TypeAlias

import numpy as np

from verified_nn.core import InvalidArgumentError
from verified_nn.layers import Dense, Layer, LeakyReLU, ReLU

Array: TypeAlias = np.ndarray[Any, Any]


def specification(labels: Array, classes: int, dtype: Any) -> Array:
    """``C[b, j] = e_j - e_{y_b}``, ``(batch, classes, classes)``; the row of the label is zero."""
    rows = np.arange(len(labels))
    spec = np.broadcast_to(np.eye(classes, dtype=dtype), (len(labels), classes, classes)).copy()
    spec[rows, :, labels] -= 1.0
    return spec


def relaxation(slope: float, low: Array, high: Array) -> tuple[Array, Array, Array, Array]:
    """``(alpha, s, t, unstable)`` per neuron: ``alpha z <= act(z) <= s z + t`` on ``[low, high]``.

    ``act`` is ReLU (``slope = 0``) or leaky ReLU. Stable neurons are exact. An unstable one gets the
    chord through ``(l, slope l)`` and ``(u, u)`` above and, below, the line of slope 1 or ``slope``,
    whichever side of the interval is wider (CROWN's adaptive choice, constant between switches).
    """
    active, inactive = low >= 0, high <= 0
    unstable = ~(active | inactive)
    safe_low = np.where(unstable, low, -1)  # finite divisions for the stable neurons
    safe_high = np.where(unstable, high, 1)
    chord = (safe_high - slope * safe_low) / (safe_high - safe_low)
    upper = np.where(active, 1, np.where(inactive, slope, chord)).astype(low.dtype)
    intercept = np.where(unstable, (slope - chord) * safe_low, 0).astype(low.dtype)  # >= 0
    lower = np.where(active | (unstable & (high > -low)), 1, slope).astype(low.dtype)
    return lower, upper, intercept, unstable


def activation_slope(layer: Layer[Any, Any], index: int) -> float:
    """The slope of ``layer`` below 0 (ReLU 0, leaky ReLU its slope); refuses any other activation."""
    if isinstance(layer, ReLU):
        return 0.0
    if isinstance(layer, LeakyReLU):
        return float(layer.slope)
    raise InvalidArgumentError(
        f"crown-ibp handles dense layers, ReLU and leaky ReLU; layer {index} is {layer!r} (use the ibp method for it)"
    )


def crown_margins(
    layers: tuple[Layer[Any, Any], ...], caches: list[Any], mu: Array, r: Array, labels: Array
) -> tuple[Array, Any]:
    """``(m, cache)``: upper bounds on ``z_j - z_{y_b}`` ``(batch, classes)`` over the input box ``(mu, r)``.

    ``caches`` are the interval caches of every layer but the last (``interval_forward`` of
    ``layers[:-1]``); the last layer must be dense.
    """
    classes = layers[-1].weights.shape[0]  # type: ignore[attr-defined]
    lam = specification(labels, classes, mu.dtype)  # coefficients on the output of the current layer
    constant = np.zeros((len(labels), classes), dtype=mu.dtype)
    stored: list[Any] = [None] * len(layers)  # what each layer's backward needs
    for index in range(len(layers) - 1, -1, -1):
        layer = layers[index]
        if isinstance(layer, Dense):
            constant += lam @ layer.bias  # (batch, classes)
            stored[index] = lam
            lam = lam @ layer.weights  # (batch, classes, in)
        else:
            low, high = caches[index][0], caches[index][1]
            lower, upper, intercept, unstable = relaxation(activation_slope(layer, index), low, high)
            positive = lam >= 0
            constant += np.einsum("bkn,bn->bk", np.where(positive, lam, 0), intercept)
            stored[index] = (lam, positive, lower, upper, intercept, low, high, unstable)
            lam = np.where(positive, lam * upper[:, np.newaxis, :], lam * lower[:, np.newaxis, :])
    worst = np.einsum("bkn,bn->bk", lam, mu) + np.einsum("bkn,bn->bk", np.abs(lam), r) + constant
    return worst, (stored, lam, mu, r)


def crown_margins_backward(
    layers: tuple[Layer[Any, Any], ...], d_worst: Array, cache: Any
) -> tuple[list[Any], dict[int, tuple[Array, Array]]]:
    """``(grads, boxes)``: each layer's parameter gradients (None for layers without parameters) and,
    for each activation ``i``, the gradient ``(d_mu, d_r)`` w.r.t. the box entering it."""
    stored, lam, mu, r = cache
    slopes = {
        index: activation_slope(layer, index) for index, layer in enumerate(layers) if not isinstance(layer, Dense)
    }
    grads: list[Any] = [None] * len(layers)
    boxes: dict[int, tuple[Array, Array]] = {}
    upstream = d_worst[:, :, np.newaxis]  # (batch, classes, 1): every constant term gets d_worst itself
    d_lam = upstream * (mu[:, np.newaxis, :] + np.sign(lam) * r[:, np.newaxis, :])  # w.r.t. the input's Lam
    for index, layer in enumerate(layers):
        if isinstance(layer, Dense):
            above = stored[index]  # Lam on the layer's output, (batch, classes, out)
            out, width = layer.weights.shape
            d_weights = above.reshape(-1, out).T @ d_lam.reshape(-1, width)  # (out, in)
            d_bias = np.einsum("bk,bko->o", d_worst, above)
            grads[index] = layer.with_parameters([d_weights, d_bias])
            d_lam = d_lam @ layer.weights.T + upstream * layer.bias
        else:
            above, positive, lower, upper, intercept, low, high, unstable = stored[index]
            kept = np.where(positive, above, 0)  # Lam+, (batch, classes, n)
            d_upper = np.einsum("bkn,bkn->bn", d_lam, kept)  # the chords' slopes, summed over the margins
            d_intercept = np.einsum("bk,bkn->bn", d_worst, kept)
            # Lam_in = Lam+ s + Lam- alpha and c += Lam+ t: each entry of Lam goes one way or the other.
            through_upper = d_lam * upper[:, np.newaxis, :] + upstream * intercept[:, np.newaxis, :]
            d_lam = np.where(positive, through_upper, d_lam * lower[:, np.newaxis, :])
            boxes[index] = _box_gradient(slopes[index], low, high, unstable, upper, d_upper, d_intercept)
    return grads, boxes


def _box_gradient(
    slope: float, low: Array, high: Array, unstable: Array, chord: Array, d_chord: Array, d_intercept: Array
) -> tuple[Array, Array]:
    """``(d_mu, d_r)`` of the box ``[l, u] = [mu - r, mu + r]`` from the gradients of the chord ``s z + t``.

    ``s = (u - a l) / (u - l)``: ``ds/du = l (a - 1) / (u - l)^2``, ``ds/dl = u (1 - a) / (u - l)^2``;
    ``t = (a - s) l``: ``dt/dl = a - s - l ds/dl``, ``dt/du = -l ds/du``. Stable neurons pass nothing.
    """
    width = np.where(unstable, high - low, 1)
    ds_high = low * (slope - 1) / width**2
    ds_low = high * (1 - slope) / width**2
    d_low = d_chord * ds_low + d_intercept * (slope - chord - low * ds_low)
    d_high = d_chord * ds_high - d_intercept * low * ds_high
    d_low, d_high = np.where(unstable, d_low, 0), np.where(unstable, d_high, 0)
    return d_low + d_high, d_high - d_low
