"""A gradient check of the certified loss against finite differences, skipping stencils that cross a kink.

The certified loss is piecewise smooth: it has kinks where an activation's bound crosses 0, where a
weight (or a difference of the last layer's rows) changes sign under ``|.|``, and, for CROWN-IBP, where a
coefficient changes sign or the adaptive lower slope switches. A comparison whose stencil changes any
of these choices is retried with a tenfold smaller step and skipped (and counted) if it still does.
"""

from typing import Any, Final

import numpy as np

from verified_nn.core import InvalidArgumentError, cross_entropy_and_gradient
from verified_nn.layers import EVAL, Activation
from verified_nn.network import Network, flatten, unflatten
from verified_nn.verification import (
    DEFAULT_FLOOR,
    DEFAULT_STEP,
    DEFAULT_TOLERANCE,
    GradientCheckReport,
    relative_error,
)
from verified_nn.verification._finite_difference import central_difference, stencil_points

from ._loss import _Bound, _check, certified_loss_and_gradients

Array = np.ndarray[Any, Any]
_STEP_SHRINK: Final = 10.0


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

    def derivative(self, vector: Array, base: list[Array], direction: Array, step: float) -> float | None:
        for attempt in (step, step / _STEP_SHRINK):
            values = []
            for point in stencil_points(vector, direction, attempt):
                value, pattern = self.evaluate(point)
                if not all(np.array_equal(a, b) for a, b in zip(pattern, base, strict=True)):
                    break
                values.append(value)
            else:
                return float(central_difference(values, attempt))
        return None


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
    objective = _Objective(checked, batch, labels, settings)
    _, gradients = certified_loss_and_gradients(checked, batch, labels, eps=eps, kappa=kappa, method=method, beta=beta)
    vector, gradient = np.asarray(flatten(checked)), np.asarray(flatten(gradients))
    probes: list[tuple[str, Array]] = []
    start = 0
    for name, block in zip(checked.parameter_names(), checked.parameters(), strict=True):
        for local in rng.choice(block.size, size=min(coordinates_per_block, block.size), replace=False):
            basis = np.zeros_like(vector)
            basis[start + int(local)] = 1.0
            where = ", ".join(str(int(i)) for i in np.unravel_index(int(local), block.shape))
            probes.append((f"{name}[{where}]", basis))
        start += block.size
    for number in range(directions):
        direction = rng.standard_normal(vector.shape)
        probes.append((f"direction {number}", direction / np.linalg.norm(direction)))
    analytic, numeric, places = [], [], []
    skipped = 0
    _, base = objective.evaluate(vector)
    for location, direction in probes:
        estimate = objective.derivative(vector, base, direction, step)
        if estimate is None:
            skipped += 1
            continue
        analytic.append(float(np.vdot(gradient, direction)))
        numeric.append(estimate)
        places.append(location)
    if not places:
        raise InvalidArgumentError(f"every one of {skipped} comparisons straddled a kink; try another batch or step")
    errors = relative_error(np.array(analytic), np.array(numeric), floor=floor)
    worst = int(np.argmax(errors))
    return GradientCheckReport(
        worst_relative_error=float(errors[worst]),
        worst_location=places[worst],
        analytic=analytic[worst],
        numeric=numeric[worst],
        checked=len(places),
        tolerance=tolerance,
        step=step,
        skipped_kinks=skipped,
    )
