"""Dropout with inverted scaling: in training mode each value is kept with probability ``1 - rate``
and scaled by ``1 / (1 - rate)``, so the expected output equals the input; in evaluation mode it is the
identity. The mask is drawn from the mode's key: the same key, the same mask."""

import dataclasses
import math
from typing import Any, ClassVar, Self, TypeVar

import numpy as np

from verified_nn.core import InvalidArgumentError, ShapeError, describe
from verified_nn.core._activations import Shaped

from ._layer import EVAL, FLOAT_DTYPES, Layer, Mode, ShapePreserving, require_batch

S = TypeVar("S", bound=tuple[Any, ...])  # the shape of one call's batch


@dataclasses.dataclass(frozen=True)
class Dropout(Layer[Any, Any], ShapePreserving):
    """Zero each value with probability ``rate`` in training mode and scale the rest by ``1 / (1 - rate)``."""

    rate: float  # probability of dropping a value, in [0, 1)

    kind: ClassVar[str] = "dropout"
    torch_name: ClassVar[str | None] = "Dropout"

    def __post_init__(self) -> None:
        if not (isinstance(self.rate, int | float) and math.isfinite(self.rate) and 0 <= self.rate < 1):
            raise InvalidArgumentError(f"Dropout: rate must lie in [0, 1), got {self.rate!r}")

    def mask(self, shape: S, dtype: Any, mode: Mode) -> Shaped[S]:
        """The scaled keep-mask that training mode multiplies by: ``0`` or ``1 / (1 - rate)`` per value."""
        keep = mode.draw(shape) >= self.rate  # (*shape) booleans
        return np.multiply(keep, 1.0 / (1.0 - self.rate), dtype=dtype)

    def forward(self, x: Shaped[S], *, mode: Mode = EVAL) -> tuple[Shaped[S], Shaped[S] | None]:
        """``(x * mask, mask)`` in training mode; ``(x, None)`` in evaluation mode or at rate 0."""
        if not (x.__class__ is np.ndarray and x.dtype in FLOAT_DTYPES):
            require_batch("Dropout.forward", "x", x, None)
        if not mode.training or self.rate == 0:
            return x, None
        mask = self.mask(x.shape, x.dtype, mode)
        return x * mask, mask

    def backward(self, dy: Shaped[S], cache: Shaped[S] | None) -> tuple[Shaped[S], Self]:
        """``(dy * mask, self)`` (``dy`` itself in evaluation mode)."""
        if not isinstance(dy, np.ndarray) or dy.dtype not in FLOAT_DTYPES:
            raise ShapeError(f"Dropout.backward: argument 'dy' expected a float array, got {describe(dy)}")
        if cache is None:
            return dy, self
        if dy.shape != cache.shape:
            raise ShapeError(f"Dropout.backward: argument 'dy' has shape {dy.shape}, the mask {cache.shape}")
        return dy * cache, self

    def config(self) -> dict[str, Any]:
        return {"rate": self.rate}

    def torch_arguments(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        return (self.rate,), {}

    @classmethod
    def torch_settings(cls, module: Any) -> dict[str, Any]:
        return {"rate": float(module.p)}

    def onnx_nodes(
        self, onnx: Any, index: int, x: str, y: str, dtype: Any
    ) -> tuple[list[Any], list[Any]] | None:
        return [], []  # the identity at inference: no node
