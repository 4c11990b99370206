"""Interval bound propagation for training: one rule per layer kind, each with its hand-written backward.

A box is kept in center/radius form: every input of the box is ``mu + delta`` with ``|delta| <= r``
elementwise, ``mu`` and ``r`` both ``(batch, *features)`` in the network's dtype. The rules (Gowal et al.
2018) are exact images of the box for each layer kind: a dense layer maps it to ``mu' = mu W^T + b``,
``r' = r |W|^T``; a nondecreasing activation maps ``[l, u] = [mu - r, mu + r]`` to ``[f(l), f(u)]``.
Dropout is refused: the bound is meant for the network as deployed and certified, which has no random
mask, and a bound through a fresh mask at every step would be of a different network each time. Unlike
``verified_nn.certify`` these boxes are not rounded outward: they serve as a differentiable
training loss, not as a certificate.
"""

import dataclasses
from collections.abc import Callable
from typing import Any, TypeAlias

import numpy as np

from verified_nn.core import InvalidArgumentError
from verified_nn.layers import EVAL, Dense, Dropout, Layer, LeakyReLU, Mode, ReLU, Tanh
from verified_nn.layers._activation import Activation

Array: TypeAlias = np.ndarray[Any, Any]
Forward: TypeAlias = Callable[[Any, Array, Array, Mode], tuple[Array, Array, Any]]
Backward: TypeAlias = Callable[[Any, Array, Array, Any, bool], tuple[Array | None, Array | None, Any]]


@dataclasses.dataclass(frozen=True)
class IntervalRule:
    """How one layer kind maps a box, and the gradients of that map.

    ``forward(layer, mu, r, mode) -> (mu', r', cache)``; ``backward(layer, d_mu', d_r', cache, first) ->
    (d_mu, d_r, grads)``, where ``grads`` is a layer of the same type holding the parameter gradients
    (the layer itself when it has none), as in the layer protocol. With ``first`` the box's own
    gradients are not needed (nothing lies below the first layer) and may be returned as None.
    """

    forward: Forward
    backward: Backward


def _dense_forward(layer: Dense[Any, Any], mu: Array, r: Array, mode: Mode) -> tuple[Array, Array, Any]:
    weights = layer.weights  # (out, in)
    magnitude = np.abs(weights)  # |W|, (out, in)
    center = mu @ weights.T  # (batch, out)
    center += layer.bias
    radius = r @ magnitude.T  # (batch, out), >= 0
    return center, radius, (mu, r, magnitude)


def _dense_backward(
    layer: Dense[Any, Any], d_mu: Array, d_r: Array, cache: Any, first: bool
) -> tuple[Array | None, Array | None, Any]:
    mu, r, magnitude = cache
    weights = layer.weights
    # d|W| / dW = sign(W) (0 at W = 0, a subgradient): dW = d_mu^T mu + sign(W) * (d_r^T r).
    d_weights = (mu.T @ d_mu).T + np.sign(weights) * (r.T @ d_r).T  # (out, in)
    d_bias = d_mu.sum(axis=0)  # (out,)
    grads = layer.with_parameters([d_weights, d_bias])
    if first:
        return None, None, grads
    return d_mu @ weights, d_r @ magnitude, grads


def _activation_forward(layer: Activation, mu: Array, r: Array, mode: Mode) -> tuple[Array, Array, Any]:
    low, high = mu - r, mu + r  # (batch, n)
    f_low, f_high = layer.function(low), layer.function(high)  # nondecreasing: the image is [f(l), f(u)]
    return (f_high + f_low) / 2, (f_high - f_low) / 2, (low, high, f_low, f_high)


def _activation_backward(
    layer: Activation, d_mu: Array, d_r: Array, cache: Any, first: bool
) -> tuple[Array, Array, Any]:
    low, high, f_low, f_high = cache
    # mu' = (f(u) + f(l)) / 2, r' = (f(u) - f(l)) / 2; then l = mu - r, u = mu + r.
    d_high = (d_mu + d_r) / 2 * layer.derivative(high, f_high)
    d_low = (d_mu - d_r) / 2 * layer.derivative(low, f_low)
    return d_high + d_low, d_high - d_low, layer


DENSE_RULE = IntervalRule(_dense_forward, _dense_backward)
MONOTONE_ACTIVATION = IntervalRule(_activation_forward, _activation_backward)  # any nondecreasing Activation

_RULES: dict[type[Layer[Any, Any]], IntervalRule] = {
    Dense: DENSE_RULE,
    ReLU: MONOTONE_ACTIVATION,
    LeakyReLU: MONOTONE_ACTIVATION,
    Tanh: MONOTONE_ACTIVATION,
}


def register_interval_rule(layer_type: type[Layer[Any, Any]], rule: IntervalRule) -> None:
    """Make certified training handle ``layer_type`` with ``rule`` (``MONOTONE_ACTIVATION`` for a
    nondecreasing activation; a rule of one's own for a new layer with parameters)."""
    if not (isinstance(layer_type, type) and issubclass(layer_type, Layer)):
        raise InvalidArgumentError(f"register_interval_rule: expected a Layer subclass, got {layer_type!r}")
    if not isinstance(rule, IntervalRule):
        raise InvalidArgumentError(f"register_interval_rule: expected an IntervalRule, got {type(rule).__name__}")
    _RULES[layer_type] = rule


def interval_rule(layer: Layer[Any, Any], *, index: int) -> IntervalRule:
    """The rule for ``layer`` (by exact type); InvalidArgumentError naming the layer if there is none."""
    if isinstance(layer, Dropout):
        raise InvalidArgumentError(
            f"certified training does not support dropout (layer {index}, {layer!r}); train with --dropout 0"
        )
    rule = _RULES.get(type(layer))
    if rule is None:
        known = ", ".join(sorted(cls.__name__ for cls in _RULES))
        raise InvalidArgumentError(
            f"certified training has no interval rule for layer {index}, {layer!r} (it handles {known}; "
            "register_interval_rule adds one)"
        )
    return rule


def interval_forward(
    layers: tuple[Layer[Any, Any], ...], mu: Array, r: Array, *, mode: Mode = EVAL
) -> tuple[Array, Array, list[Any]]:
    """The box through ``layers`` in order (layer ``i`` gets ``mode.child(i)``): ``(mu, r, caches)``."""
    caches = []
    for index, layer in enumerate(layers):
        mu, r, cache = interval_rule(layer, index=index).forward(layer, mu, r, mode.child(index))
        caches.append(cache)
    return mu, r, caches


def interval_backward(
    layers: tuple[Layer[Any, Any], ...],
    d_mu: Array,
    d_r: Array,
    caches: list[Any],
    *,
    extra: dict[int, tuple[Array, Array]] | None = None,
) -> list[Any]:
    """Each layer's parameter gradients (a layer per layer, as the layer protocol gives them).

    ``extra[i] = (d_mu_i, d_r_i)`` adds a gradient with respect to the box entering layer ``i`` (the
    CROWN-IBP bound depends on the boxes before its activations); it is added as the walk passes there.
    """
    grads: list[Any] = [None] * len(layers)
    for index in range(len(layers) - 1, -1, -1):
        layer = layers[index]
        rule = interval_rule(layer, index=index)
        below_mu, below_r, grads[index] = rule.backward(layer, d_mu, d_r, caches[index], index == 0)
        if index == 0:
            break
        assert below_mu is not None and below_r is not None  # only the first layer may skip them
        d_mu, d_r = below_mu, below_r
        if extra and index in extra:
            more_mu, more_r = extra[index]
            d_mu, d_r = d_mu + more_mu, d_r + more_r
    return grads
