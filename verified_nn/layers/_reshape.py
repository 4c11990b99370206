"""Reshape: each row becomes an array of a given shape, ``(batch, prod(shape)) -> (batch, *shape)``.

``Reshape((1, 28, 28))`` as a network's first layer turns the datasets' 784-pixel rows into
one-channel 28 x 28 images for a convolution, so training, evaluation and the data keep their
``(batch, 784)`` batches. Backward reshapes ``dy`` back to rows.
"""

import dataclasses
import math
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Self, overload

import numpy as np

from verified_nn.core import Dim, Features, InvalidArgumentError, ShapeError, describe, size_of

from ._layer import EVAL, FLOAT_DTYPES, Array, Layer, Mode, require_batch

if TYPE_CHECKING:  # a default for the type variable: ``Reshape((1, 28, 28))`` alone is a ``Reshape[Any]``
    from typing_extensions import TypeVar

    OutS = TypeVar("OutS", bound=tuple[Any, ...], default=Any)
else:
    from typing import TypeVar

    OutS = TypeVar("OutS", bound=tuple[Any, ...])

_A = TypeVar("_A", bound=int)
_B = TypeVar("_B", bound=int)
_C = TypeVar("_C", bound=int)


@dataclasses.dataclass(frozen=True)
class Reshape(Layer[OutS, Features[Any]], Generic[OutS]):
    """``(batch, prod(shape)) -> (batch, *shape)``: rows of a fixed width to arrays of ``shape``."""

    shape: tuple[int, ...]  # the per-sample shape of the output, e.g. (1, 28, 28)

    kind: ClassVar[str] = "reshape"
    torch_name: ClassVar[str | None] = "Unflatten"

    def __post_init__(self) -> None:
        shape = self.shape
        if not isinstance(shape, tuple | list) or not shape:
            raise InvalidArgumentError(f"Reshape: shape must be a non-empty tuple of sizes, got {shape!r}")
        object.__setattr__(
            self, "shape", tuple(size_of(size, name=f"Reshape: shape[{index}]") for index, size in enumerate(shape))
        )

    @overload
    @staticmethod
    def to(first: Dim[_A], /) -> "Reshape[tuple[Any, _A]]": ...

    @overload
    @staticmethod
    def to(first: Dim[_A], second: Dim[_B], /) -> "Reshape[tuple[Any, _A, _B]]": ...

    @overload
    @staticmethod
    def to(first: Dim[_A], second: Dim[_B], third: Dim[_C], /) -> "Reshape[tuple[Any, _A, _B, _C]]": ...

    @staticmethod
    def to(*sizes: Dim[Any]) -> "Reshape[Any]":
        """A reshape whose output shape mypy knows: ``Reshape.to(Dim[Literal[1]](), Dim[Literal[28]](), ...)``."""
        return Reshape(tuple(size_of(size, name="Reshape: size") for size in sizes))

    @property
    def width(self) -> int:
        """The input width, ``prod(shape)``."""
        return math.prod(self.shape)

    def forward(
        self, x: np.ndarray[Features[Any], np.dtype[Any]], *, mode: Mode = EVAL
    ) -> tuple[np.ndarray[OutS, Any], Any]:
        """``(x reshaped to (batch, *shape), None)``."""
        if not (x.__class__ is np.ndarray and x.ndim == 2 and x.shape[1] == self.width and x.dtype in FLOAT_DTYPES):
            require_batch("Reshape.forward", "x", x, (self.width,))
        shaped: Array = x.reshape(x.shape[0], *self.shape)
        return shaped, None

    def backward(self, dy: np.ndarray[OutS, np.dtype[Any]], cache: Any) -> tuple[np.ndarray[Features[Any], Any], Self]:
        """``(dy reshaped to (batch, prod(shape)), self)``."""
        if not (isinstance(dy, np.ndarray) and dy.dtype in FLOAT_DTYPES and dy.shape[1:] == self.shape):
            raise ShapeError(
                f"Reshape.backward: argument 'dy' expected float[batch, {', '.join(map(str, self.shape))}], "
                f"got {describe(dy)}"
            )
        return dy.reshape(dy.shape[0], self.width), self

    def input_shape(self) -> tuple[int, ...]:
        return (self.width,)

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        if input_shape != (self.width,):
            raise ShapeError(f"{self!r} takes rows of width {self.width}, got inputs of shape {input_shape}")
        return self.shape

    def config(self) -> dict[str, Any]:
        return {"shape": list(self.shape)}

    def torch_arguments(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        return (1, tuple(self.shape)), {}

    @classmethod
    def torch_settings(cls, module: Any) -> dict[str, Any]:
        if module.dim != 1:
            raise InvalidArgumentError(f"unflattening dimension {module.dim} (not 1)")
        return {"shape": [int(size) for size in module.unflattened_size]}

    def onnx_nodes(
        self, onnx: Any, index: int, x: str, y: str, dtype: Any
    ) -> tuple[list[Any], list[Any]] | None:
        shape = f"{index}.shape"
        initializer = onnx.numpy_helper.from_array(np.array([-1, *self.shape], dtype=np.int64), shape)
        return [onnx.helper.make_node("Reshape", [x, shape], [y], name=f"{index}.reshape")], [initializer]

    def __repr__(self) -> str:
        return f"Reshape({self.width} -> {'x'.join(map(str, self.shape))})"
