"""Gradient checking of array functions: every entry for small inputs, random directions for large."""

from collections.abc import Callable
from typing import Any, Final

import numpy as np

from verified_nn.core import InvalidArgumentError

from ._finite_difference import (
    DEFAULT_FLOOR,
    DEFAULT_STEP,
    DEFAULT_TOLERANCE,
    central_difference,
    directional_derivative,
    relative_error,
    stencil_points,
)
from ._report import GradientCheckReport

Array = np.ndarray[Any, Any]
FULL_CHECK_LIMIT: Final = 4096  # inputs up to this size are checked entry by entry


def _worst(
    analytic: Array, numeric: Array, labels: list[str], *, step: float, tolerance: float, floor: float
) -> GradientCheckReport:
    errors = relative_error(analytic, numeric, floor=floor)
    worst = int(np.argmax(errors))
    return GradientCheckReport(
        worst_relative_error=float(errors[worst]),
        worst_location=labels[worst],
        analytic=float(analytic[worst]),
        numeric=float(numeric[worst]),
        checked=len(labels),
        tolerance=tolerance,
        step=step,
    )


def _unit(rng: np.random.Generator, shape: tuple[int, ...]) -> Array:
    direction = rng.standard_normal(shape)
    unit: Array = direction / np.linalg.norm(direction)
    return unit


def check_gradient(
    function: Callable[[Array], float],
    gradient: Array,
    x: Array,
    *,
    directions: int | None = None,
    rng: np.random.Generator | None = None,
    step: float = DEFAULT_STEP,
    tolerance: float = DEFAULT_TOLERANCE,
    floor: float = DEFAULT_FLOOR,
) -> GradientCheckReport:
    """Compare ``gradient`` (the claimed gradient of scalar ``function`` at ``x``) with finite differences.

    With ``directions=None`` and ``x.size <= 4096`` every entry is checked; otherwise ``directions`` random
    unit directions ``d`` are drawn from ``rng`` and ``<gradient, d>`` is compared with the numeric
    directional derivative. Computation is in float64. Returns the report; call ``raise_if_failed()``
    to turn a failure into :class:`GradientCheckError`.
    """
    x64 = np.asarray(x, dtype=np.float64)
    g64 = np.asarray(gradient, dtype=np.float64)
    if g64.shape != x64.shape:
        raise InvalidArgumentError(f"gradient shape {g64.shape} differs from input shape {x64.shape}")
    if directions is None and x64.size <= FULL_CHECK_LIMIT:
        numeric = np.empty(x64.size)
        for index in range(x64.size):
            basis = np.zeros(x64.size)
            basis[index] = 1.0
            numeric[index] = directional_derivative(function, x64, basis.reshape(x64.shape), step=step)
        labels = [str(np.unravel_index(i, x64.shape)) for i in range(x64.size)]
        return _worst(g64.ravel(), numeric, labels, step=step, tolerance=tolerance, floor=floor)
    count = directions if directions is not None else 16
    if count < 1:
        raise InvalidArgumentError(f"directions must be >= 1, got {count}")
    generator = rng if rng is not None else np.random.default_rng(0)
    units = [_unit(generator, x64.shape) for _ in range(count)]
    analytic = np.array([float(np.vdot(g64, unit)) for unit in units])
    numeric = np.array([directional_derivative(function, x64, unit, step=step) for unit in units])
    labels = [f"direction {i}" for i in range(count)]
    return _worst(analytic, numeric, labels, step=step, tolerance=tolerance, floor=floor)


def check_jacobian(
    function: Callable[[Array], Array],
    jacobian: Array,
    x: Array,
    *,
    step: float = DEFAULT_STEP,
    tolerance: float = DEFAULT_TOLERANCE,
    floor: float = DEFAULT_FLOOR,
) -> GradientCheckReport:
    """Compare the full Jacobian ``J[i, j] = d f_i / d x_j`` of an array-valued ``function`` at ``x``.

    ``jacobian`` has shape ``f(x).shape + x.shape``; every entry is checked (meant for small inputs).
    """
    x64 = np.asarray(x, dtype=np.float64)
    out_shape = np.shape(function(x64))
    j64 = np.asarray(jacobian, dtype=np.float64).reshape(int(np.prod(out_shape)), x64.size)
    numeric = np.empty_like(j64)
    for column in range(x64.size):
        basis = np.zeros(x64.size)
        basis[column] = 1.0
        values = [
            np.asarray(function(point), dtype=np.float64).ravel()
            for point in stencil_points(x64, basis.reshape(x64.shape), step)
        ]
        numeric[:, column] = central_difference(values, step)
    labels = [f"J[{r}, {c}]" for r in range(j64.shape[0]) for c in range(x64.size)]
    return _worst(j64.ravel(), numeric.ravel(), labels, step=step, tolerance=tolerance, floor=floor)
