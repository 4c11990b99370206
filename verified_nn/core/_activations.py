"""Activation functions paired with their derivatives, and the record that carries a pair."""

import dataclasses
import functools
from collections.abc import Callable
from typing import Any, TypeAlias

import numpy as np

from ._checking import checked
from ._errors import InvalidArgumentError
from ._shapes import Floating, FloatT, ShapeT

ArrayFunction: TypeAlias = Callable[[np.ndarray[Any, Any]], np.ndarray[Any, Any]]

DEFAULT_LEAKY_SLOPE = 0.01


def _relu(x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    result: np.ndarray[Any, Any] = np.maximum(x, 0)
    return result


def _relu_derivative(x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    # At 0 we take 0, a value between the one-sided derivatives 0 and 1 (a subgradient).
    return (x > 0).astype(x.dtype)


def _leaky_relu(x: np.ndarray[Any, Any], slope: float) -> np.ndarray[Any, Any]:
    return np.where(x > 0, x, x * slope)


def _leaky_relu_derivative(x: np.ndarray[Any, Any], slope: float) -> np.ndarray[Any, Any]:
    return np.where(x > 0, 1, slope).astype(x.dtype)


def _check_slope(slope: float) -> None:
    if not 0 <= slope < 1:
        raise InvalidArgumentError(f"leaky ReLU slope must lie in [0, 1), got {slope}")


@checked
def relu(
    x: Floating[np.ndarray[ShapeT, np.dtype[FloatT]], "*shape"],
) -> Floating[np.ndarray[ShapeT, np.dtype[FloatT]], "*shape"]:
    """ReLU, elementwise: ``max(x, 0)``. Any shape; the result has the shape and dtype of ``x``."""
    return _relu(x)


@checked
def relu_derivative(
    x: Floating[np.ndarray[ShapeT, np.dtype[FloatT]], "*shape"],
) -> Floating[np.ndarray[ShapeT, np.dtype[FloatT]], "*shape"]:
    """Derivative of ReLU, elementwise: 1 where ``x > 0``, else 0 (0 at the kink)."""
    return _relu_derivative(x)


@checked
def leaky_relu(
    x: Floating[np.ndarray[ShapeT, np.dtype[FloatT]], "*shape"], *, slope: float = DEFAULT_LEAKY_SLOPE
) -> Floating[np.ndarray[ShapeT, np.dtype[FloatT]], "*shape"]:
    """Leaky ReLU, elementwise: ``x`` where ``x > 0``, else ``slope * x``, with 0 <= slope < 1."""
    _check_slope(slope)
    return _leaky_relu(x, slope)


@checked
def leaky_relu_derivative(
    x: Floating[np.ndarray[ShapeT, np.dtype[FloatT]], "*shape"], *, slope: float = DEFAULT_LEAKY_SLOPE
) -> Floating[np.ndarray[ShapeT, np.dtype[FloatT]], "*shape"]:
    """Derivative of leaky ReLU, elementwise: 1 where ``x > 0``, else ``slope`` (also at 0)."""
    _check_slope(slope)
    return _leaky_relu_derivative(x, slope)


@dataclasses.dataclass(frozen=True)
class Activation:
    """An elementwise activation and its derivative, both functions of the pre-activation."""

    name: str  # shown in logs and saved with models
    function: ArrayFunction  # z -> a, shape-preserving
    derivative: ArrayFunction  # z -> da/dz, shape-preserving


RELU = Activation(name="relu", function=_relu, derivative=_relu_derivative)


def leaky_relu_activation(slope: float = DEFAULT_LEAKY_SLOPE) -> Activation:
    """The leaky-ReLU activation with the given negative-side ``slope``."""
    _check_slope(slope)
    return Activation(
        name=f"leaky_relu({slope!r})",
        function=functools.partial(_leaky_relu, slope=slope),
        derivative=functools.partial(_leaky_relu_derivative, slope=slope),
    )
