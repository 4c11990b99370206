"""Activation functions paired with their derivatives: pure, elementwise, any shape, float32 or float64.

The kernels (``*_kernel``) keep the shape ``S`` of their input in their signatures, so the shape plugin
checks their bodies; the public functions check their arguments at run time and call them.
"""

from typing import Any, TypeAlias, TypeVar

import numpy as np

from ._checking import checked
from ._errors import InvalidArgumentError
from ._shapes import Floating, FloatT, OfDType

DEFAULT_LEAKY_SLOPE = 0.01

S = TypeVar("S", bound=tuple[Any, ...])
# An array of static shape S, any dtype: what the kernels take and give (numpy's stubs do not follow dtypes).
Shaped: TypeAlias = np.ndarray[S, np.dtype[Any]]


def relu_kernel(x: Shaped[S]) -> Shaped[S]:
    """``max(x, 0)``, unchecked (the kernel of :func:`relu` and of the ReLU layer)."""
    return np.maximum(x, 0)


def relu_derivative_kernel(x: Shaped[S]) -> Shaped[S]:
    """1 where ``x > 0``, else 0, in the dtype of ``x``, unchecked."""
    # At 0 we take 0, a value between the one-sided derivatives 0 and 1 (a subgradient).
    return (x > 0).astype(x.dtype)


def leaky_relu_kernel(x: Shaped[S], slope: float) -> Shaped[S]:
    """``x`` where ``x > 0``, else ``slope * x``, unchecked."""
    # ``dtype=`` keeps float32 input float32: the slope is rounded to x's dtype, then multiplied.
    return np.where(x > 0, x, np.multiply(x, slope, dtype=x.dtype))


def leaky_relu_derivative_kernel(x: Shaped[S], slope: float) -> Shaped[S]:
    """1 where ``x > 0``, else ``slope`` (also at 0), in the dtype of ``x``, unchecked."""
    return np.where(x > 0, 1, slope).astype(x.dtype)


def tanh_derivative_kernel(y: Shaped[S]) -> Shaped[S]:
    """``1 - y^2`` where ``y = tanh(x)``: the derivative of tanh from its output, unchecked."""
    return 1 - y * y


def check_slope(slope: float) -> None:
    """InvalidArgumentError unless ``0 <= slope < 1`` (the leaky-ReLU slopes the library accepts)."""
    if not (isinstance(slope, int | float) and 0 <= slope < 1):
        raise InvalidArgumentError(f"leaky ReLU slope must lie in [0, 1), got {slope!r}")


@checked
def relu(
    x: Floating[OfDType[FloatT], "*shape"],
) -> Floating[OfDType[FloatT], "*shape"]:
    """ReLU, elementwise: ``max(x, 0)``. Any shape; the result has the shape and dtype of ``x``."""
    return relu_kernel(x)


@checked
def relu_derivative(
    x: Floating[OfDType[FloatT], "*shape"],
) -> Floating[OfDType[FloatT], "*shape"]:
    """Derivative of ReLU, elementwise: 1 where ``x > 0``, else 0 (0 at the kink)."""
    return relu_derivative_kernel(x)


@checked
def leaky_relu(
    x: Floating[OfDType[FloatT], "*shape"], *, slope: float = DEFAULT_LEAKY_SLOPE
) -> Floating[OfDType[FloatT], "*shape"]:
    """Leaky ReLU, elementwise: ``x`` where ``x > 0``, else ``slope * x``, with 0 <= slope < 1."""
    check_slope(slope)
    return leaky_relu_kernel(x, slope)


@checked
def leaky_relu_derivative(
    x: Floating[OfDType[FloatT], "*shape"], *, slope: float = DEFAULT_LEAKY_SLOPE
) -> Floating[OfDType[FloatT], "*shape"]:
    """Derivative of leaky ReLU, elementwise: 1 where ``x > 0``, else ``slope`` (also at 0)."""
    check_slope(slope)
    return leaky_relu_derivative_kernel(x, slope)


@checked
def tanh(
    x: Floating[OfDType[FloatT], "*shape"],
) -> Floating[OfDType[FloatT], "*shape"]:
    """Hyperbolic tangent, elementwise: values in (-1, 1), odd, 1-Lipschitz."""
    return np.tanh(x)


@checked
def tanh_derivative(
    x: Floating[OfDType[FloatT], "*shape"],
) -> Floating[OfDType[FloatT], "*shape"]:
    """Derivative of tanh, elementwise: ``1 - tanh(x)^2``, in (0, 1]."""
    return tanh_derivative_kernel(np.tanh(x))
