"""Gradient checks of the MLP's manual backpropagation against float64 finite differences."""

from typing import Any, Final

import numpy as np

from verified_nn.core import cross_entropy
from verified_nn.network import (
    BLOCK_NAMES,
    BLOCK_SHAPES,
    MLP,
    dense_forward,
    flatten,
    loss_and_gradients,
    unflatten,
)

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
_OFFSETS: Final = np.cumsum([0] + [int(np.prod(shape)) for shape in BLOCK_SHAPES])


def _block_location(flat_index: int) -> str:
    block = int(np.searchsorted(_OFFSETS, flat_index, side="right")) - 1
    local = np.unravel_index(flat_index - int(_OFFSETS[block]), BLOCK_SHAPES[block])
    return f"{BLOCK_NAMES[block]}[{', '.join(str(int(i)) for i in local)}]"


class _NetworkLoss:
    """The loss as a function of the flat float64 parameter vector, and its ReLU sign pattern."""

    def __init__(self, mlp: MLP, images: Array, labels: Array) -> None:
        self.activation = mlp.activation
        self.images = np.asarray(images, dtype=np.float64)
        self.labels = labels

    def evaluate(self, vector: Array) -> tuple[float, Array]:
        """The loss at ``vector`` and the sign pattern of the hidden pre-activations, in one pass."""
        mlp = unflatten(vector, activation=self.activation)
        pre_hidden, _ = dense_forward(mlp.layer1, self.images)  # (batch, 128)
        logits, _ = dense_forward(mlp.layer2, self.activation.function(pre_hidden))  # (batch, 10)
        return cross_entropy(logits, self.labels), pre_hidden > 0

    def derivative(self, vector: Array, base: Array, direction: Array, step: float) -> float | None:
        """The numeric directional derivative, or None when every tried step straddles a kink.

        ``base`` is the sign pattern at ``vector``; a stencil point with another pattern lies across a kink.
        """
        for attempt in (step, step / _STEP_SHRINK):
            values = []
            for point in stencil_points(vector, direction, attempt):
                value, pattern = self.evaluate(point)
                if not np.array_equal(pattern, base):
                    break
                values.append(value)
            else:
                return float(central_difference(values, attempt))
        return None


def check_network_gradients(
    mlp: MLP,
    images: Array,
    labels: Array,
    *,
    rng: np.random.Generator,
    coordinates_per_block: int = 8,
    directions: int = 8,
    step: float = DEFAULT_STEP,
    tolerance: float = DEFAULT_TOLERANCE,
    floor: float = DEFAULT_FLOOR,
) -> GradientCheckReport:
    """Check ``loss_and_gradients`` of ``mlp`` (converted to float64) on one batch.

    Compares ``coordinates_per_block`` random coordinates of each of W1, b1, W2, b2 and ``directions``
    random unit directions in the 101,770-dimensional parameter space with fourth-order central
    differences. A comparison whose stencil straddles a ReLU kink (the hidden sign pattern changes) is
    retried with a tenfold smaller step, and skipped (and counted) if it still does.
    """
    mlp64 = mlp.astype(np.float64)
    objective = _NetworkLoss(mlp64, images, labels)
    _, gradients = loss_and_gradients(mlp64, objective.images, labels)
    vector = np.asarray(flatten(mlp64))
    gradient = np.asarray(flatten(gradients))

    probes: list[tuple[str, Array]] = []
    for block in range(len(BLOCK_SHAPES)):
        start, stop = int(_OFFSETS[block]), int(_OFFSETS[block + 1])
        picks = rng.choice(np.arange(start, stop), size=min(coordinates_per_block, stop - start), replace=False)
        for index in picks:
            basis = np.zeros_like(vector)
            basis[index] = 1.0
            probes.append((_block_location(int(index)), basis))
    for number in range(directions):
        direction = rng.standard_normal(vector.shape)
        probes.append((f"direction {number}", direction / np.linalg.norm(direction)))

    analytic, numeric, where = [], [], []
    skipped = 0
    _, base = objective.evaluate(vector)
    for location, direction in probes:
        estimate = objective.derivative(vector, base, direction, step)
        if estimate is None:
            skipped += 1
            continue
        analytic.append(float(np.vdot(gradient, direction)))
        numeric.append(estimate)
        where.append(location)
    errors = relative_error(np.array(analytic), np.array(numeric), floor=floor)
    worst = int(np.argmax(errors))
    return GradientCheckReport(
        worst_relative_error=float(errors[worst]),
        worst_location=where[worst],
        analytic=analytic[worst],
        numeric=numeric[worst],
        checked=len(where),
        tolerance=tolerance,
        step=step,
        skipped_kinks=skipped,
    )
