"""Gradient checks of piecewise-smooth losses: finite differences that never straddle a kink.

A loss of ReLU-family networks, max pooling or interval bounds is smooth only between kinks. The loss
reports, with its value, a pattern (a list of arrays) that identifies its smooth piece; a stencil whose
points do not all share the pattern of the point checked is retried once with a tenfold smaller step,
and the comparison is skipped (and counted) if it still straddles a kink.
"""

from typing import Any, Final, Protocol

import numpy as np

from verified_nn.core import InvalidArgumentError
from verified_nn.network import Network, flatten

from ._finite_difference import central_difference, relative_error, stencil_points
from ._report import GradientCheckReport

Array = np.ndarray[Any, Any]
_STEP_SHRINK: Final = 10.0  # a step straddling a kink is retried once at step / 10


class PiecewiseLoss(Protocol):
    """A loss of a flat float64 parameter vector that names the smooth piece each point lies in."""

    def evaluate(self, vector: Array) -> tuple[float, list[Array]]:
        """The loss at ``vector`` and its kink pattern (equal patterns: the same smooth piece)."""
        ...


def kink_free_derivative(
    loss: PiecewiseLoss, vector: Array, base: list[Array], direction: Array, step: float
) -> float | None:
    """The numeric directional derivative at ``vector``, or None when every tried step straddles a kink.

    ``base`` is the pattern at ``vector``; a stencil point with another pattern lies across a kink.
    """
    for attempt in (step, step / _STEP_SHRINK):
        values = []
        for point in stencil_points(vector, direction, attempt):
            value, pattern = loss.evaluate(point)
            if not all(np.array_equal(a, b) for a, b in zip(pattern, base, strict=True)):
                break
            values.append(value)
        else:
            return float(central_difference(values, attempt))
    return None


def check_piecewise_gradient(
    loss: PiecewiseLoss,
    network: Network[Any, Any],
    gradients: Network[Any, Any],
    *,
    rng: np.random.Generator,
    coordinates_per_block: int,
    directions: int,
    step: float,
    tolerance: float,
    floor: float,
) -> GradientCheckReport:
    """Compare ``gradients`` (a tree like ``network``) with fourth-order central differences of ``loss``.

    Probes ``coordinates_per_block`` random coordinates of each parameter array (every one, if fewer) and
    ``directions`` random unit directions in the whole parameter space. InvalidArgumentError if every
    probe straddles a kink.
    """
    vector, gradient = np.asarray(flatten(network)), np.asarray(flatten(gradients))
    probes: list[tuple[str, Array]] = []
    start = 0
    for name, block in zip(network.parameter_names(), network.parameters(), strict=True):
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
    _, base = loss.evaluate(vector)
    for location, direction in probes:
        estimate = kink_free_derivative(loss, vector, base, direction, step)
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
