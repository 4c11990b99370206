"""Central finite differences in float64, and the error measure the gradient checks report.

The derivative of ``f`` at ``x`` along ``d`` is estimated by the fourth-order central stencil
``(f(x - 2hd) - 8 f(x - hd) + 8 f(x + hd) - f(x + 2hd)) / (12 h)``, whose truncation error is O(h^4):
with ``h = 1e-4`` that is ~1e-16, leaving float64 rounding (~1e-11 for losses of order 1) as the floor.
"""

from collections.abc import Callable
from typing import Any, Final

import numpy as np

from verified_nn.core import ShapeError

Array = np.ndarray[Any, Any]

DEFAULT_STEP: Final = 1e-4  # h: small enough to rarely straddle a ReLU kink, large enough for rounding
DEFAULT_TOLERANCE: Final = 1e-6  # the largest relative error a check accepts
DEFAULT_FLOOR: Final = 1e-4  # |a - n| / max(|a|, |n|, floor): below the floor, errors count as absolute

_STENCIL: Final = ((-2.0, 1.0), (-1.0, -8.0), (1.0, 8.0), (2.0, -1.0))


def stencil_points(x: Array, direction: Array, step: float) -> list[Array]:
    """The four points ``x + k h d`` (k = -2, -1, 1, 2) at which the stencil evaluates ``f``."""
    return [x + (offset * step) * direction for offset, _ in _STENCIL]


def directional_derivative(
    function: Callable[[Array], float], x: Array, direction: Array, *, step: float = DEFAULT_STEP
) -> float:
    """Fourth-order central-difference estimate of ``d/dt f(x + t d)`` at ``t = 0`` (float64)."""
    x64 = np.asarray(x, dtype=np.float64)
    d64 = np.asarray(direction, dtype=np.float64)
    return float(central_difference([function(point) for point in stencil_points(x64, d64, step)], step))


def central_difference(values: list[Any], step: float) -> Any:
    """Combine ``f`` at the four :func:`stencil_points` (scalars or arrays) into the derivative estimate."""
    return sum(weight * value for (_, weight), value in zip(_STENCIL, values, strict=True)) / (12 * step)


def relative_error(analytic: Array | float, numeric: Array | float, *, floor: float = DEFAULT_FLOOR) -> Array:
    """``|a - n| / max(|a|, |n|, floor)`` elementwise: relative for large values, absolute-ish near 0."""
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    if a.shape != n.shape and a.ndim and n.ndim:  # (3, 1) against (4,) would broadcast to (3, 4)
        raise ShapeError(f"relative_error: shapes differ: {a.shape} (analytic) and {n.shape} (numeric)")
    result: Array = np.abs(a - n) / np.maximum(np.maximum(np.abs(a), np.abs(n)), floor)
    return result
