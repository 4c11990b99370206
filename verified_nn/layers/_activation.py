"""Activations as layers: elementwise, shape-preserving, parameterless; ReLU, leaky ReLU and tanh.

To add an activation, subclass :class:`Activation` as a frozen dataclass and define ``function(x)`` and
``derivative(x, y)`` (the elementwise derivative at input ``x`` whose output is ``y``); forward and
backward come from the base class: ``y = f(x)``, ``dx = dy * f'(x)``. Set ``kind`` and call
``register_layer`` to save it in model files; ``examples/custom_layer.py`` adds one. What the analyses
(bounds, certification, float checks, proofs) may rely on is declared beside it: ``monotone``,
``curvature``, ``float_error``, :meth:`Activation.kinks` and :meth:`Activation.linear_pieces`
(docs/certification.md, "Adding a layer").
"""

import abc
import dataclasses
from typing import Any, ClassVar, Literal, Self, TypeAlias, TypeVar

import numpy as np

from verified_nn.core import DEFAULT_LEAKY_SLOPE, ShapeError, check_slope, describe
from verified_nn.core._activations import (
    Shaped,
    leaky_relu_derivative_kernel,
    leaky_relu_kernel,
    relu_derivative_kernel,
    relu_kernel,
    tanh_derivative_kernel,
)

from ._dense import Scheme
from ._layer import EVAL, FLOAT_DTYPES, Array, Layer, Mode, ShapePreserving, require_batch

S = TypeVar("S", bound=tuple[Any, ...])  # the shape of one call's batch, kept by every activation
# The shape of a nondecreasing activation's graph: convex, concave, or convex below ``inflection`` and
# concave above it (tanh, the logistic sigmoid).
Curvature: TypeAlias = Literal["convex", "concave", "s-shaped"]


class Activation(Layer[Any, Any], ShapePreserving):
    """An elementwise activation: ``function`` and its ``derivative``; the cache is ``(x, y)``.

    ``init_scheme`` is the initialisation that suits the dense layer before it: "he" for the ReLU
    family, "glorot" for odd saturating functions such as tanh.
    """

    init_scheme: ClassVar[Scheme] = "he"
    smooth: ClassVar[bool] = False  # False: the derivative jumps at 0 (gradient checks watch the sign of x)
    # What the analyses may rely on (a bound rule is derived from these; None or False: not analysable).
    monotone: ClassVar[bool] = False  # nondecreasing everywhere
    curvature: ClassVar[Curvature | None] = None  # the shape of the graph (linear bounds follow from it)
    inflection: ClassVar[float] = 0.0  # where an s-shaped graph turns from convex to concave
    # The kernel's rounding: |fl(f(x)) - f(x)| <= a u |f(x)| + b tiny with (a, b) = float_error, u the unit
    # roundoff and tiny the smallest normal number of the dtype it computes in; None: not known.
    float_error: ClassVar[tuple[float, float] | None] = None
    onnx_operator: ClassVar[str | None] = None  # the ONNX operator of the same function, e.g. "Relu"

    def onnx_attributes(self) -> dict[str, Any]:
        """The ONNX node's attributes (none by default)."""
        return {}

    def onnx_nodes(
        self, onnx: Any, index: int, x: str, y: str, dtype: Any
    ) -> tuple[list[Any], list[Any]] | None:
        if self.onnx_operator is None:
            return None
        node = onnx.helper.make_node(
            self.onnx_operator, [x], [y], name=f"{index}.{self.kind}", **self.onnx_attributes()
        )
        return [node], []

    def kinks(self) -> tuple[float, ...]:
        """The inputs where the derivative jumps (proofs test the derivative there; none by default)."""
        return ()

    def linear_pieces(self) -> tuple[float, float] | None:
        """``(left slope, right slope)`` if ``f(x)`` is ``left * x`` for ``x <= 0`` and ``right * x`` for ``x >= 0``
        (the ReLU family: linear bounds, exact MILP encodings); None otherwise."""
        return None

    @abc.abstractmethod
    def function(self, x: Shaped[S]) -> Shaped[S]:
        """``f(x)``, elementwise, in the dtype of ``x``."""

    @abc.abstractmethod
    def derivative(self, x: Shaped[S], y: Shaped[S]) -> Shaped[S]:
        """``f'(x)``, elementwise, given ``x`` and ``y = f(x)`` (use whichever is cheaper)."""

    def forward(self, x: Shaped[S], *, mode: Mode = EVAL) -> tuple[Shaped[S], tuple[Shaped[S], Shaped[S]]]:
        """``(f(x), (x, f(x)))``, any shape."""
        if not (x.__class__ is np.ndarray and x.dtype in FLOAT_DTYPES):
            require_batch(f"{type(self).__name__}.forward", "x", x, None)
        y = self.function(x)
        return y, (x, y)

    def backward(self, dy: Shaped[S], cache: tuple[Shaped[S], Shaped[S]]) -> tuple[Shaped[S], Self]:
        """``(dy * f'(x), self)``: no parameters, so the layer is its own (empty) gradient."""
        x, y = cache
        _check_upstream(self, dy, x)
        return dy * self.derivative(x, y), self


def _check_upstream(layer: Layer[Any, Any], dy: object, x: Array) -> None:
    if not isinstance(dy, np.ndarray) or dy.shape != x.shape or dy.dtype != x.dtype:
        expected = f"{x.dtype}[{','.join(str(size) for size in x.shape)}]"
        raise ShapeError(f"{type(layer).__name__}.backward: argument 'dy' expected {expected}, got {describe(dy)}")


@dataclasses.dataclass(frozen=True)
class ReLU(Activation):
    """``max(x, 0)``; derivative 1 where ``x > 0``, else 0 (0 at the kink, a subgradient)."""

    kind: ClassVar[str] = "relu"
    torch_name: ClassVar[str | None] = "ReLU"
    onnx_operator: ClassVar[str | None] = "Relu"
    monotone: ClassVar[bool] = True
    curvature: ClassVar[Curvature | None] = "convex"
    float_error: ClassVar[tuple[float, float] | None] = (0.0, 0.0)  # exact

    def kinks(self) -> tuple[float, ...]:
        return (0.0,)

    def linear_pieces(self) -> tuple[float, float] | None:
        return (0.0, 1.0)

    def function(self, x: Shaped[S]) -> Shaped[S]:
        return relu_kernel(x)

    def derivative(self, x: Shaped[S], y: Shaped[S]) -> Shaped[S]:
        return relu_derivative_kernel(x)

    def backward(self, dy: Shaped[S], cache: tuple[Shaped[S], Shaped[S]]) -> tuple[Shaped[S], Self]:
        x, _ = cache
        _check_upstream(self, dy, x)
        return dy * (x > 0), self  # a boolean mask keeps dy's dtype and saves one conversion


@dataclasses.dataclass(frozen=True)
class LeakyReLU(Activation):
    """``x`` where ``x > 0``, else ``slope * x`` (0 <= slope < 1); derivative 1 or ``slope`` (at 0: slope)."""

    slope: float = DEFAULT_LEAKY_SLOPE  # the negative side's slope

    kind: ClassVar[str] = "leaky_relu"
    torch_name: ClassVar[str | None] = "LeakyReLU"
    onnx_operator: ClassVar[str | None] = "LeakyRelu"
    monotone: ClassVar[bool] = True
    curvature: ClassVar[Curvature | None] = "convex"
    # fl(x fl(slope)) against x slope: one rounding of the product and one of the slope, u each, and an underflow.
    float_error: ClassVar[tuple[float, float] | None] = (3.0, 1.0)

    def __post_init__(self) -> None:
        check_slope(self.slope)

    def kinks(self) -> tuple[float, ...]:
        return (0.0,)

    def linear_pieces(self) -> tuple[float, float] | None:
        return (float(self.slope), 1.0)

    def function(self, x: Shaped[S]) -> Shaped[S]:
        return leaky_relu_kernel(x, self.slope)

    def derivative(self, x: Shaped[S], y: Shaped[S]) -> Shaped[S]:
        return leaky_relu_derivative_kernel(x, self.slope)

    def config(self) -> dict[str, Any]:
        return {"slope": self.slope}

    def torch_arguments(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        return (self.slope,), {}

    @classmethod
    def torch_settings(cls, module: Any) -> dict[str, Any]:
        return {"slope": float(module.negative_slope)}

    def onnx_attributes(self) -> dict[str, Any]:
        return {"alpha": float(self.slope)}


@dataclasses.dataclass(frozen=True)
class Tanh(Activation):
    """``tanh(x)``; derivative ``1 - tanh(x)^2``, computed from the output."""

    kind: ClassVar[str] = "tanh"
    torch_name: ClassVar[str | None] = "Tanh"
    onnx_operator: ClassVar[str | None] = "Tanh"
    init_scheme: ClassVar[Scheme] = "glorot"
    smooth: ClassVar[bool] = True
    monotone: ClassVar[bool] = True
    curvature: ClassVar[Curvature | None] = "s-shaped"
    # numpy's tanh is within 4 ulp of the real value (docs/float-check.md): 4 ulp of t are at most 8 u |t|.
    float_error: ClassVar[tuple[float, float] | None] = (8.0, 4.0)

    def function(self, x: Shaped[S]) -> Shaped[S]:
        return np.tanh(x)

    def derivative(self, x: Shaped[S], y: Shaped[S]) -> Shaped[S]:
        return tanh_derivative_kernel(y)
