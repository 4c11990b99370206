"""Flatten: each sample's array becomes one row, ``(batch, c, h, w) -> (batch, c * h * w)``, as a dense layer takes it.

Backward reshapes ``dy`` ``(batch, c * h * w)`` back to the input's shape. Image batches are laid out
batch last (``_window.py``): their rows are the columns of one ``(c * h * w, batch)`` matrix, handed out
as its transpose with no copy, and the gradient goes back to that layout (one copy, which the
convolution and pooling below it repay: they stream contiguous rows). The width can be declared
(``Flatten.to(Dim[Literal[800]]())``): mypy then checks the dense layer that follows against it, and
the network's construction checks it against what the layers before actually produce.
"""

import dataclasses
import math
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Self

import numpy as np
from jaxtyping import Shaped

from verified_nn.core import Dim, Features, InvalidArgumentError, ShapeError, describe, size_of

from ._layer import EVAL, FLOAT_DTYPES, Array, Layer, Mode

if TYPE_CHECKING:  # a default for the type variable: ``Flatten()`` alone is a ``Flatten[Any]``
    from typing_extensions import TypeVar

    N = TypeVar("N", bound=int, default=Any)
else:
    from typing import TypeVar

    N = TypeVar("N", bound=int)

_N = TypeVar("_N", bound=int)


@dataclasses.dataclass(frozen=True)
class Flatten(Layer[Features[N], tuple[Any, ...]], Generic[N]):
    """``(batch, *shape) -> (batch, prod(shape))``; ``width``, when given, is the product it must come to."""

    width: int | None = None  # the declared width of the output (None: whatever the input gives)

    kind: ClassVar[str] = "flatten"
    torch_name: ClassVar[str | None] = "Flatten"

    def __post_init__(self) -> None:
        if self.width is not None:
            size_of(self.width, name="Flatten: width")

    @staticmethod
    def to(width: Dim[_N]) -> "Flatten[_N]":
        """A flatten whose output width ``width`` mypy knows (checked against the input when a network is built)."""
        return Flatten(size_of(width, name="Flatten: width"))

    def _width(self, shape: tuple[int, ...]) -> int:
        width = math.prod(shape)
        if self.width is not None and width != self.width:
            raise ShapeError(
                f"Flatten: declared width {self.width}, but inputs of shape {shape} flatten to "
                f"{' * '.join(map(str, shape))} = {width}"
            )
        return width

    def forward(
        self, x: Shaped[np.ndarray, "batch ..."], *, mode: Mode = EVAL
    ) -> tuple[Shaped[np.ndarray, "batch N"], Any]:
        """``(x reshaped to (batch, width), x.shape)``."""
        if not (isinstance(x, np.ndarray) and x.dtype in FLOAT_DTYPES and x.ndim >= 2):
            raise ShapeError(f"Flatten.forward: argument 'x' expected float[batch, ...], got {describe(x)}")
        width = self._width(x.shape[1:])
        if x.ndim == 4:  # image batches are laid out batch last: (c*h*w, batch) is a view, its transpose the rows
            rows: Array = np.moveaxis(x, 0, -1).reshape(width, x.shape[0]).T
        else:
            rows = x.reshape(x.shape[0], width)
        return rows, x.shape

    def backward(
        self, dy: Shaped[np.ndarray, "batch N"], cache: Any
    ) -> tuple[Shaped[np.ndarray, "batch ..."], Self]:
        """``(dy reshaped to the input's shape, self)``."""
        shape = cache
        expected = (shape[0], math.prod(shape[1:]))
        if not (isinstance(dy, np.ndarray) and dy.dtype in FLOAT_DTYPES and dy.shape == expected):
            raise ShapeError(
                f"Flatten.backward: argument 'dy' expected float[{expected[0]},{expected[1]}], got {describe(dy)}"
            )
        if len(shape) == 4:  # back to the batch-last layout of image batches: one transposing copy of dy
            return np.moveaxis(np.ascontiguousarray(dy.T).reshape(*shape[1:], shape[0]), -1, 0), self
        return dy.reshape(shape), self

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """``(prod(input_shape),)``; ShapeError if a declared width differs."""
        return (self._width(input_shape),)

    def config(self) -> dict[str, Any]:
        return {} if self.width is None else {"width": self.width}

    @classmethod
    def torch_settings(cls, module: Any) -> dict[str, Any]:
        if (module.start_dim, module.end_dim) != (1, -1):
            raise InvalidArgumentError(f"flattening dimensions {module.start_dim}..{module.end_dim} (not 1..-1)")
        return {}

    def onnx_nodes(
        self, onnx: Any, index: int, x: str, y: str, dtype: Any
    ) -> tuple[list[Any], list[Any]] | None:
        return [onnx.helper.make_node("Flatten", [x], [y], name=f"{index}.flatten", axis=1)], []

    def __repr__(self) -> str:
        return "Flatten()" if self.width is None else f"Flatten({self.width})"
