"""A gradient check of the certified loss against finite differences, skipping stencils that cross a kink.

The certified loss is piecewise smooth: it has kinks where an activation's bound crosses 0, where a
weight (or a difference of the last layer's rows) changes sign under ``|.|``, and, for CROWN-IBP, where a
coefficient changes sign or the adaptive lower slope switches. A comparison whose stencil changes any
of these choices is retried with a tenfold smaller step and skipped (and counted) if it still does.
"""

from typing import Any

import numpy as np

from verified_nn.core import cross_entropy_and_gradient
from verified_nn.layers import EVAL, Activation
from verified_nn.network import Network, unflatten
from verified_nn.verification import (
    DEFAULT_FLOOR,
    DEFAULT_STEP,
    DEFAULT_TOLERANCE,
    GradientCheckReport,
    check_piecewise_gradient,
)

from ._loss import _Bound, _check, certified_loss_and_gradients

Array = np.ndarray[Any, Any]


class _Objective:
    """The certified loss as a function of the flat float64 parameter vector, with its kink pattern."""

    def __init__(self, network: Network[Any, Any], images: Array, labels: Array, settings: dict[str, Any]) -> None:
        self.network, self.images, self.labels, self.settings = network, images, labels, settings

    def evaluate(self, vector: Array) -> tuple[float, list[Array]]:
        network = unflatten(vector, like=self.network)
        kappa, eps = self.settings["kappa"], self.settings["eps"]
        logits, caches = network.forward(self.images)
        clean = cross_entropy_and_gradient(logits, self.labels)[0]
        bound = _Bound(network, self.images, self.labels, eps, self.settings["method"], self.settings["beta"], EVAL)
        robust = cross_entropy_and_gradient(bound.worst, self.labels)[0]
        signs = [caches[i][0] > 0 for i, layer in enumerate(network.layers) if _kinked(layer)]
        return kappa * clean + (1 - kappa) * robust, [*signs, *bound.kinks()]


def _kinked(layer: object) -> bool:
    return isinstance(layer, Activation) and not layer.smooth


def check_certified_gradients(
    network: Network[Any, Any],
    images: Array,
    labels: Array,
    *,
    eps: float,
    kappa: float = 0.5,
    method: str = "ibp",
    beta: float = 1.0,
    rng: np.random.Generator,
    coordinates_per_block: int = 8,
    directions: int = 8,
    step: float = DEFAULT_STEP,
    tolerance: float = DEFAULT_TOLERANCE,
    floor: float = DEFAULT_FLOOR,
) -> GradientCheckReport:
    """Check :func:`certified_loss_and_gradients` (on ``network`` converted to float64) on one batch.

    Compares ``coordinates_per_block`` random coordinates of each parameter array and ``directions``
    random unit directions with fourth-order central differences of the loss, in evaluation mode.
    """
    network64 = network.astype(np.float64)
    checked, batch = _check(network64, images, labels, eps, method)
    settings = {"eps": eps, "kappa": kappa, "method": method, "beta": beta}
    loss = _Objective(checked, batch, labels, settings)
    _, gradients = certified_loss_and_gradients(checked, batch, labels, eps=eps, kappa=kappa, method=method, beta=beta)
    return check_piecewise_gradient(
        loss,
        checked,
        gradients,
        rng=rng,
        coordinates_per_block=coordinates_per_block,
        directions=directions,
        step=step,
        tolerance=tolerance,
        floor=floor,
    )
