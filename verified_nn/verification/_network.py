"""Gradient checks of a network's manual backpropagation against float64 finite differences."""

from typing import Any, Final

import numpy as np

from verified_nn.core import InvalidArgumentError, cross_entropy
from verified_nn.layers import EVAL, Activation, MaxPool2D, Mode
from verified_nn.network import Network, backprop, flatten, unflatten

from ._finite_difference import (
    DEFAULT_FLOOR,
    DEFAULT_STEP,
    DEFAULT_TOLERANCE,
    central_difference,
    relative_error,
    stencil_points,
)
from ._report import GradientCheckReport

Array = np.ndarray[Any, Any]
_STEP_SHRINK: Final = 10.0  # a step straddling a kink is retried once at step / 10


class _NetworkLoss:
    """The loss as a function of the flat float64 parameter vector, and the sign pattern at the kinks."""

    def __init__(self, network: Network[Any, Any], images: Array, labels: Array, mode: Mode) -> None:
        self.network = network
        self.images = np.asarray(images, dtype=np.float64)
        self.labels = labels
        self.mode = mode
        # The layers whose derivative jumps: ReLU-family activations at 0, and max pooling where the
        # largest value of a window changes place. A stencil must not cross such a change.
        self.kinked = [
            i
            for i, layer in enumerate(network.layers)
            if (isinstance(layer, Activation) and not layer.smooth) or isinstance(layer, MaxPool2D)
        ]

    def evaluate(self, vector: Array) -> tuple[float, list[Array]]:
        """The loss at ``vector`` and the pattern of every kinked layer, in one forward pass.

        The pattern is the sign of an activation's input, or the winning offset of each max-pooling window.
        """
        network = unflatten(vector, like=self.network)
        logits, caches = network.forward(self.images, mode=self.mode)  # the network's own forward pass
        patterns = [caches[i][0] if isinstance(network.layers[i], MaxPool2D) else caches[i][0] > 0 for i in self.kinked]
        return cross_entropy(logits, self.labels), patterns

    def derivative(self, vector: Array, base: list[Array], direction: Array, step: float) -> float | None:
        """The numeric directional derivative, or None when every tried step straddles a kink.

        ``base`` is the sign pattern at ``vector``; a stencil point with another pattern lies across a kink.
        """
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


def check_network_gradients(
    network: Network[Any, Any],
    images: Array,
    labels: Array,
    *,
    rng: np.random.Generator,
    coordinates_per_block: int = 8,
    directions: int = 8,
    mode: Mode = EVAL,
    step: float = DEFAULT_STEP,
    tolerance: float = DEFAULT_TOLERANCE,
    floor: float = DEFAULT_FLOOR,
) -> GradientCheckReport:
    """Check the backpropagation of ``network`` (converted to float64) on one batch.

    Compares ``coordinates_per_block`` random coordinates of each parameter array (every one, if fewer)
    and ``directions`` random unit directions in the whole parameter space with fourth-order central
    differences of the loss. ``mode`` is used for every evaluation, so a dropout mask is held fixed.
    A comparison whose stencil straddles a kink (the sign of some ReLU-family input changes, or the maximum
    of some max-pooling window moves to another input) is retried with a tenfold smaller step, and skipped
    (and counted) if it still does.
    """
    network64 = network.astype(np.float64)
    objective = _NetworkLoss(network64, images, labels, mode)
    _, gradients = backprop(network64, objective.images, labels, mode=mode)
    vector = np.asarray(flatten(network64))
    gradient = np.asarray(flatten(gradients))

    probes: list[tuple[str, Array]] = []
    start = 0
    for name, block in zip(network64.parameter_names(), network64.parameters(), strict=True):
        picks = rng.choice(block.size, size=min(coordinates_per_block, block.size), replace=False)
        for local in picks:
            basis = np.zeros_like(vector)
            basis[start + int(local)] = 1.0
            where = ", ".join(str(int(i)) for i in np.unravel_index(int(local), block.shape))
            probes.append((f"{name}[{where}]", basis))
        start += block.size
    for number in range(directions):
        direction = rng.standard_normal(vector.shape)
        probes.append((f"direction {number}", direction / np.linalg.norm(direction)))

    analytic, numeric, where_list = [], [], []
    skipped = 0
    _, base = objective.evaluate(vector)
    for location, direction in probes:
        estimate = objective.derivative(vector, base, direction, step)
        if estimate is None:
            skipped += 1
            continue
        analytic.append(float(np.vdot(gradient, direction)))
        numeric.append(estimate)
        where_list.append(location)
    if not where_list:
        raise InvalidArgumentError(f"every one of {skipped} comparisons straddled a kink; try another batch or step")
    errors = relative_error(np.array(analytic), np.array(numeric), floor=floor)
    worst = int(np.argmax(errors))
    return GradientCheckReport(
        worst_relative_error=float(errors[worst]),
        worst_location=where_list[worst],
        analytic=analytic[worst],
        numeric=numeric[worst],
        checked=len(where_list),
        tolerance=tolerance,
        step=step,
        skipped_kinks=skipped,
    )
