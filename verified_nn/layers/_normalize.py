"""Input normalisation as a layer: ``y = (x - shift) / scale`` elementwise, with fixed constants.

Imported models often standardise their input inside the graph (ONNX ``Sub`` and ``Div`` by constants:
a mean and a standard deviation per channel). Kept as a layer of its own rather than folded into the
first weighted layer, the forward pass performs the same two correctly rounded operations in the same
order as the original graph, so its outputs are those of the original bit for bit, and a verifier
reasons about the very function the original computes. ``shift`` and ``scale`` broadcast against one
sample (shape ``shape``, such as ``(3, 1, 1)`` for per-channel constants of a ``3 x h x w`` image); they
are settings, not trained parameters, and model files record them in the architecture.
"""

import dataclasses
import math
from collections.abc import Mapping
from typing import Any, ClassVar, Self, TypeVar

import numpy as np

from verified_nn.core import InvalidArgumentError, ShapeError, describe
from verified_nn.core._activations import Shaped

from ._layer import EVAL, FLOAT_DTYPES, Array, Layer, Mode, ShapePreserving, require_batch

S = TypeVar("S", bound=tuple[Any, ...])  # the shape of one call's batch


def _constants(name: str, values: object, size: int) -> tuple[float, ...]:
    if not isinstance(values, list | tuple) or len(values) != size:
        raise InvalidArgumentError(f"Normalize: {name} must hold {size} numbers, got {values!r}"[:200])
    numbers = tuple(float(v) if isinstance(v, int | float) and not isinstance(v, bool) else math.nan for v in values)
    if not all(math.isfinite(v) for v in numbers):
        raise InvalidArgumentError(f"Normalize: {name} must hold finite numbers")
    return numbers


@dataclasses.dataclass(frozen=True)
class Normalize(Layer[Any, Any], ShapePreserving):
    """``(x - shift) / scale``, the constants broadcast over each sample from ``shape``.

    ``shift`` and ``scale`` are flat (C order) with ``prod(shape)`` entries; every ``scale`` is nonzero.
    ``Normalize((), (0.5,), (2.0,))`` subtracts 0.5 from every value and halves it.
    """

    shape: tuple[int, ...]  # the constants' shape, broadcast against one sample: () or (5,) or (3, 1, 1)
    shift: tuple[float, ...]  # subtracted first
    scale: tuple[float, ...]  # then divided by

    kind: ClassVar[str] = "normalize"

    def __post_init__(self) -> None:
        shape = self.shape
        if not isinstance(shape, list | tuple) or not all(
            isinstance(s, int) and not isinstance(s, bool) and s >= 1 for s in shape
        ):
            raise InvalidArgumentError(f"Normalize: shape must be a tuple of sizes >= 1, got {shape!r}")
        size = math.prod(shape)
        object.__setattr__(self, "shape", tuple(shape))
        object.__setattr__(self, "shift", _constants("shift", self.shift, size))
        object.__setattr__(self, "scale", _constants("scale", self.scale, size))
        if any(s == 0 for s in self.scale):
            raise InvalidArgumentError("Normalize: every scale must be nonzero")

    def constants(self, dtype: Any) -> tuple[Array, Array]:
        """``(shift, scale)`` as arrays of ``shape`` in ``dtype``, ready to broadcast against a batch."""
        shift = np.asarray(self.shift, dtype=dtype).reshape(self.shape)
        scale = np.asarray(self.scale, dtype=dtype).reshape(self.shape)
        return shift, scale

    def _check(self, x: Array) -> None:
        if not (x.__class__ is np.ndarray and x.dtype in FLOAT_DTYPES):
            require_batch("Normalize.forward", "x", x, None)
        if not _broadcasts(self.shape, x.shape[1:]):
            raise ShapeError(f"Normalize.forward: constants of shape {self.shape} do not fit samples {describe(x)}")

    def forward(self, x: Shaped[S], *, mode: Mode = EVAL) -> tuple[Shaped[S], None]:
        """``((x - shift) / scale, None)`` in the dtype of ``x``: two roundings per value, in that order."""
        self._check(x)
        shift, scale = self.constants(x.dtype)
        y: Shaped[S] = np.divide(np.subtract(x, shift), scale)
        return y, None

    def backward(self, dy: Shaped[S], cache: None) -> tuple[Shaped[S], Self]:
        """``(dy / scale, self)``: the constants are not trained."""
        if not isinstance(dy, np.ndarray) or dy.dtype not in FLOAT_DTYPES:
            raise ShapeError(f"Normalize.backward: argument 'dy' expected a float array, got {describe(dy)}")
        _, scale = self.constants(dy.dtype)
        dx: Shaped[S] = np.divide(dy, scale)
        return dx, self

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        if not _broadcasts(self.shape, input_shape):
            raise ShapeError(f"{self!r} does not fit inputs of shape {input_shape}")
        return input_shape

    def config(self) -> dict[str, Any]:
        return {"shape": list(self.shape), "shift": list(self.shift), "scale": list(self.scale)}

    @classmethod
    def from_config(cls, settings: dict[str, Any], parameters: Mapping[str, Array]) -> Self:
        if parameters:
            raise ShapeError(f"Normalize has no parameters, got {', '.join(sorted(parameters))}")
        if set(settings) != {"shape", "shift", "scale"}:
            raise InvalidArgumentError(f"Normalize: settings must be shape, shift and scale, got {sorted(settings)}")
        shape = settings["shape"]
        return cls(tuple(shape) if isinstance(shape, list) else shape, settings["shift"], settings["scale"])

    def onnx_nodes(
        self, onnx: Any, index: int, x: str, y: str, dtype: Any
    ) -> tuple[list[Any], list[Any]] | None:
        """``Sub`` then ``Div`` by the constants in the network's dtype: the layer's two roundings, in order."""
        shift, scale = f"{index}.shift", f"{index}.scale"
        initializers = [
            onnx.numpy_helper.from_array(array, name)
            for array, name in zip(self.constants(dtype), (shift, scale), strict=True)
        ]
        nodes = [
            onnx.helper.make_node("Sub", [x, shift], [f"{index}.shifted"], name=f"{index}.sub"),
            onnx.helper.make_node("Div", [f"{index}.shifted", scale], [y], name=f"{index}.div"),
        ]
        return nodes, initializers

    def __repr__(self) -> str:
        return f"Normalize(shape={self.shape})"


def _broadcasts(constants: tuple[int, ...], sample: tuple[int, ...]) -> bool:
    """Whether constants of shape ``constants`` broadcast to ``sample`` without changing its shape."""
    if len(constants) > len(sample):
        return False
    return all(c in (1, s) for c, s in zip(reversed(constants), reversed(sample), strict=False))
