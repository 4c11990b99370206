"""The certified training loss: clean cross-entropy mixed with the cross-entropy of the worst-case logits.

``L = kappa CE(z(x), y) + (1 - kappa) CE(m, y)``, where ``m`` (0 at ``y``) bounds from above the margins
``z_j - z_y`` over the L-infinity ball of radius ``eps`` around ``x``, clipped to the pixel range [0, 1]
(Gowal et al. 2018). With ``method="ibp"`` the bound is interval propagation with the last layer folded
into the margins; with ``"crown-ibp"`` it is ``beta m_CROWN-IBP + (1 - beta) m_IBP`` (Zhang et al. 2020).
Since ``m_y = 0``, ``CE(m, y) = log sum_j exp(m_j)`` is at least ``log(1 + exp(max_{j != y} m_j))``: small
only when every margin is proven negative. The bounds and their hand-written gradients are the bound core's
(``verified_nn.bounds``, ``Rounding.none``): every layer kind with a rule can be trained against them.
"""

import dataclasses
import math
from typing import Any, Final, TypeAlias

import numpy as np

from verified_nn.bounds import BoundsError, margin_spec, rule_for
from verified_nn.bounds._train import interval_pass, kinks, margin_bound, margin_bound_backward
from verified_nn.core import InvalidArgumentError, ShapeError, cross_entropy_and_gradient, describe
from verified_nn.layers import EVAL, Activation, Dropout, Layer, Mode
from verified_nn.network import Network, map_unchecked

Array: TypeAlias = np.ndarray[Any, Any]

METHODS: Final = ("ibp", "crown-ibp")
VERIFY_BATCH: Final = 2_000  # images per pass when counting verified images


@dataclasses.dataclass(frozen=True)
class CertifiedLoss:
    """The parts of one batch's certified loss."""

    total: float  # kappa * clean + (1 - kappa) * robust
    clean: float  # mean cross-entropy of the logits
    robust: float  # mean cross-entropy of the worst-case logits (the clean loss itself when eps = 0)


def _refuse(layer: Layer[Any, Any], index: int, method: str) -> None:
    if isinstance(layer, Dropout):
        raise InvalidArgumentError(
            f"certified training does not support dropout (layer {index}, {layer!r}); train with --dropout 0"
        )
    try:
        rule_for(layer, index=index)
    except BoundsError as error:
        raise InvalidArgumentError(f"certified training: {error}") from None
    if method == "crown-ibp" and isinstance(layer, Activation) and layer.linear_pieces() is None:
        raise InvalidArgumentError(
            f"crown-ibp relaxes the ReLU family; layer {index} is {layer!r} (use the ibp method for it)"
        )


def check_supported(network: Network[Any, Any], method: str) -> None:
    """Refuse, with one line naming the layer, a network the certified loss of ``method`` cannot bound.

    Every layer needs a bound rule (never dropout: the bound is of the deployed network, which has no mask),
    the output must be a vector of class scores, and ``"crown-ibp"`` relaxes only the ReLU family.
    """
    if method not in METHODS:
        raise InvalidArgumentError(f"certified loss: method must be one of {', '.join(METHODS)}, got {method!r}")
    for index, layer in enumerate(network.layers):
        _refuse(layer, index, method)
    if len(network.output_shape()) != 1:
        raise InvalidArgumentError(
            f"certified loss: the network's output must be a vector, got {network.output_shape()}"
        )


def _check(network: object, images: object, labels: object, eps: float, method: str) -> tuple[Network[Any, Any], Array]:
    if not isinstance(network, Network):
        raise ShapeError(f"certified loss: expected a Network, got {describe(network)}")
    batch = network.check_input("certified loss", images, argument="images")
    if not (
        isinstance(labels, np.ndarray) and labels.shape == batch.shape[:1] and np.issubdtype(labels.dtype, np.integer)
    ):
        raise ShapeError(f"certified loss: argument 'labels' expected int[{batch.shape[0]}], got {describe(labels)}")
    if not (isinstance(eps, int | float) and math.isfinite(eps) and eps >= 0):
        raise InvalidArgumentError(f"certified loss: eps must be a number >= 0, got {eps!r}")
    check_supported(network, method)
    return network, batch.astype(network.dtype, copy=False)


def _weight(name: str, value: float) -> None:
    if not (isinstance(value, int | float) and 0 <= value <= 1):
        raise InvalidArgumentError(f"certified loss: {name} must lie in [0, 1], got {value!r}")


def input_box(images: Array, eps: float) -> tuple[Array, Array]:
    """``(mu, r)``: the ball ``|x' - x| <= eps`` clipped to [0, 1], as center and radius, in the images' dtype."""
    low = np.clip(images - eps, 0, 1)
    high = np.clip(images + eps, 0, 1)
    return ((low + high) / 2).astype(images.dtype), ((high - low) / 2).astype(images.dtype)


class _Bound:
    """The worst-case logits ``m = -(lower bounds of the margins y_label - y_j)``, kept for their backward pass."""

    def __init__(
        self, network: Network[Any, Any], images: Array, labels: Array, eps: float, method: str, beta: float, mode: Mode
    ) -> None:
        self.beta = beta
        self.use_crown = method == "crown-ibp" and beta > 0
        mu, r = input_box(images, eps)
        self.passed = interval_pass(network.layers, mu, r, mode=mode)
        spec = margin_spec(labels, network.classes, keep_label=True, dtype=images.dtype)  # zero row at the label
        last = len(network.layers) - 1
        lower, self.folded = margin_bound(self.passed, spec, stop=last)  # intervals, the last layer folded
        worst = -lower
        self.crown = None
        if self.use_crown:
            lower, self.crown = margin_bound(self.passed, spec, stop=0)  # CROWN-IBP
            worst = beta * -lower + (1 - beta) * worst
        self.worst = worst  # (batch, classes), 0 at the labels

    def kinks(self) -> list[Array]:
        """The discrete choices the bound made: between two parameter vectors where they all agree, it is smooth."""
        return kinks(self.passed, [self.folded] + ([self.crown] if self.crown is not None else []))

    def backward(self, d_worst: Array) -> list[Any]:
        """Every layer's parameter gradients (a layer per layer)."""
        parts = [(self.folded, -d_worst * (1 - self.beta if self.use_crown else 1.0))]
        if self.crown is not None:
            parts.append((self.crown, -d_worst * self.beta))
        return margin_bound_backward(self.passed, parts)


def worst_case_logits(
    network: Network[Any, Any],
    images: Array,
    labels: Array,
    *,
    eps: float,
    method: str = "ibp",
    beta: float = 1.0,
) -> Array:
    """Upper bounds ``m[b, j]`` on ``z_j - z_{y_b}`` over the clipped eps-ball around each image, 0 at the label.

    ``(batch, classes)`` in the network's dtype, from interval propagation (``method="ibp"``) or
    ``beta`` CROWN-IBP plus ``1 - beta`` interval bounds (``"crown-ibp"``); evaluation mode.
    """
    checked, batch = _check(network, images, labels, eps, method)
    _weight("beta", beta)
    worst: Array = _Bound(checked, batch, labels, eps, method, beta, EVAL).worst
    return worst


def certified_loss_and_gradients(
    network: Network[Any, Any],
    images: Array,
    labels: Array,
    *,
    eps: float,
    kappa: float = 0.5,
    method: str = "ibp",
    beta: float = 1.0,
    mode: Mode = EVAL,
) -> tuple[CertifiedLoss, Network[Any, Any]]:
    """The certified loss of a batch and its gradient, a network of the same structure.

    ``images`` ``(batch, *input)`` with pixels in [0, 1], integer ``labels`` ``(batch,)``; ``eps`` the
    radius, ``kappa`` the weight of the clean loss, ``beta`` the weight of CROWN-IBP against IBP (for
    ``"crown-ibp"``). The robust part is skipped when ``kappa = 1`` (its weight is 0; ``robust`` then
    reports NaN).
    """
    checked, batch = _check(network, images, labels, eps, method)
    _weight("kappa", kappa)
    _weight("beta", beta)
    logits, cache = checked.forward(batch, mode=mode)
    clean, d_logits = cross_entropy_and_gradient(logits, labels, seed=kappa)
    grads = checked.parameter_gradients(d_logits, cache) if kappa > 0 else None
    robust = math.nan
    if kappa < 1:
        bound = _Bound(checked, batch, labels, eps, method, beta, mode)
        robust, d_worst = cross_entropy_and_gradient(bound.worst, labels, seed=1 - kappa)
        bound_grads = Network.trusted(tuple(bound.backward(d_worst)), like=checked)
        grads = bound_grads if grads is None else map_unchecked(np.add, grads, bound_grads)
    assert grads is not None
    total = kappa * clean + (1 - kappa) * robust if kappa < 1 else clean
    return CertifiedLoss(total=float(total), clean=float(clean), robust=float(robust)), grads


def certified_loss(
    network: Network[Any, Any],
    images: Array,
    labels: Array,
    *,
    eps: float,
    kappa: float = 0.5,
    method: str = "ibp",
    beta: float = 1.0,
) -> CertifiedLoss:
    """The loss of :func:`certified_loss_and_gradients` without its gradient (evaluation mode)."""
    checked, batch = _check(network, images, labels, eps, method)
    _weight("kappa", kappa)
    _weight("beta", beta)
    clean = cross_entropy_and_gradient(checked.logits(batch), labels)[0]
    worst = _Bound(checked, batch, labels, eps, method, beta, EVAL).worst
    robust = cross_entropy_and_gradient(worst, labels)[0]
    return CertifiedLoss(total=kappa * clean + (1 - kappa) * robust, clean=clean, robust=robust)


def interval_verified(network: Network[Any, Any], images: Array, labels: Array, *, eps: float) -> Array:
    """Whether interval bounds prove each image's prediction ``y`` for the whole clipped eps-ball.

    ``(count,)`` booleans: every margin bound ``m_j`` (``j != y``) is negative. Computed in the network's
    dtype without outward rounding: a quick estimate for choosing and reporting epochs during training;
    ``verified_nn.certify`` (``verified-nn certify``) gives the rigorous, float-sound answer.
    """
    checked, batch = _check(network, images, labels, eps, "ibp")
    proven = np.empty(len(labels), dtype=bool)
    for start in range(0, len(labels), VERIFY_BATCH):
        part = slice(start, start + VERIFY_BATCH)
        worst = _Bound(checked, batch[part], labels[part], eps, "ibp", 0.0, EVAL).worst
        worst[np.arange(len(worst)), labels[part]] = -np.inf
        proven[part] = worst.max(axis=1) < 0
    return proven
