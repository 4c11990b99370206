"""The certified training loss: clean cross-entropy mixed with the cross-entropy of the worst-case logits.

``L = kappa CE(z(x), y) + (1 - kappa) CE(m, y)``, where ``m`` (0 at ``y``) bounds from above the margins
``z_j - z_y`` over the L-infinity ball of radius ``eps`` around ``x``, clipped to the pixel range [0, 1]
(Gowal et al. 2018). With ``method="ibp"`` the bound comes from interval propagation; with
``"crown-ibp"`` it is ``beta m_CROWN-IBP + (1 - beta) m_IBP`` (Zhang et al. 2020). Since ``m_y = 0``,
``CE(m, y) = log sum_j exp(m_j)`` is at least ``log(1 + exp(max_{j != y} m_j))``: small only when every
margin is proven negative. Every gradient is written by hand (``_interval.py``, ``_margins.py``,
``_crown.py``) and checked against finite differences in the tests.
"""

import dataclasses
import math
from typing import Any, Final, TypeAlias

import numpy as np

from verified_nn.core import InvalidArgumentError, ShapeError, cross_entropy_and_gradient, describe
from verified_nn.layers import EVAL, Dense, Mode
from verified_nn.network import Network, map_unchecked

from ._crown import activation_slope, crown_margins, crown_margins_backward
from ._interval import interval_backward, interval_forward, interval_rule
from ._margins import interval_margins, interval_margins_backward

Array: TypeAlias = np.ndarray[Any, Any]

METHODS: Final = ("ibp", "crown-ibp")
VERIFY_BATCH: Final = 2_000  # images per pass when counting verified images


@dataclasses.dataclass(frozen=True)
class CertifiedLoss:
    """The parts of one batch's certified loss."""

    total: float  # kappa * clean + (1 - kappa) * robust
    clean: float  # mean cross-entropy of the logits
    robust: float  # mean cross-entropy of the worst-case logits (the clean loss itself when eps = 0)


def check_supported(network: Network[Any, Any], method: str) -> None:
    """Refuse, with one line naming the layer, a network the certified loss of ``method`` cannot bound.

    Every layer needs an interval rule (dense layers and nondecreasing activations; never dropout), the
    last layer must be dense, and ``"crown-ibp"`` relaxes only ReLU and leaky ReLU.
    """
    if method not in METHODS:
        raise InvalidArgumentError(f"certified loss: method must be one of {', '.join(METHODS)}, got {method!r}")
    for index, layer in enumerate(network.layers):
        interval_rule(layer, index=index)
        if method == "crown-ibp" and not isinstance(layer, Dense):
            activation_slope(layer, index)
    if not isinstance(network.layers[-1], Dense):
        raise InvalidArgumentError(
            f"certified loss: the network must end with a dense layer, got {network.layers[-1]!r}"
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
    """The forward pass of the bound on the margins, kept for its backward pass."""

    def __init__(
        self, network: Network[Any, Any], images: Array, labels: Array, eps: float, method: str, beta: float, mode: Mode
    ) -> None:
        self.layers, self.labels, self.beta = network.layers, labels, beta
        self.use_crown = method == "crown-ibp" and beta > 0
        mu, r = input_box(images, eps)
        hidden = self.layers[:-1]
        top_mu, top_r, self.caches = interval_forward(hidden, mu, r, mode=mode)
        last: Dense[Any, Any] = self.layers[-1]  # type: ignore[assignment]  # checked by _check
        worst, self.margin_cache = interval_margins(last, top_mu, top_r, labels)
        if self.use_crown:
            crown, self.crown_cache = crown_margins(self.layers, self.caches, mu, r, labels)
            worst = beta * crown + (1 - beta) * worst
        self.worst = worst  # (batch, classes), 0 at the labels

    def kinks(self) -> list[Array]:
        """The discrete choices the bound made (signs and relaxation choices): between two parameter
        vectors where they all agree, the bound is a smooth function of the parameters."""
        choices: list[Array] = [np.sign(array) for layer in self.layers for array in layer.parameters()[:1]]
        for index, cache in enumerate(self.caches):
            layer = self.layers[index]
            if isinstance(cache, tuple) and len(cache) == 4 and not getattr(layer, "smooth", True):
                choices.extend([cache[0] > 0, cache[1] > 0])  # l and u against the activation's kink at 0
        last: Dense[Any, Any] = self.layers[-1]  # type: ignore[assignment]
        choices.extend(np.sign(last.weights - last.weights[label]) for label in np.unique(self.labels))
        if self.use_crown:
            stored, lam, _, _ = self.crown_cache
            choices.append(np.sign(lam))
            for entry in stored:
                if isinstance(entry, tuple):  # an activation: which line each coefficient used, and alpha
                    _, positive, lower, *_ = entry
                    choices.extend([positive, lower])
        return choices

    def backward(self, d_worst: Array) -> list[Any]:
        """Every layer's parameter gradients (None for layers without parameters)."""
        last: Dense[Any, Any] = self.layers[-1]  # type: ignore[assignment]
        weight = 1 - self.beta if self.use_crown else 1.0
        d_mu, d_r, last_grads = interval_margins_backward(last, d_worst * weight, self.margin_cache)
        boxes: dict[int, tuple[Array, Array]] = {}
        crown_grads: list[Any] = [None] * len(self.layers)
        if self.use_crown:
            crown_grads, boxes = crown_margins_backward(self.layers, d_worst * self.beta, self.crown_cache)
        hidden = self.layers[:-1]
        grads = [*(interval_backward(hidden, d_mu, d_r, self.caches, extra=boxes) if hidden else []), last_grads]
        return [_add(mine, crown) for mine, crown in zip(grads, crown_grads, strict=True)]


def _add(first: Any, second: Any) -> Any:
    if second is None or not first.parameters():
        return first
    return map_unchecked(np.add, first, second)


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
