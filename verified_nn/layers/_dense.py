"""A dense (fully connected) layer ``y = x W^T + b`` with weights ``(out, in)`` and bias ``(out,)``.

Forward: ``y = x W^T + b``, ``(batch, in) -> (batch, out)``. Backward from ``dy`` ``(batch, out)``:
``dx = dy W`` ``(batch, in)``, ``dW = dy^T x`` ``(out, in)``, ``db = sum_batch dy`` ``(out,)``.
"""

import dataclasses
import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Generic, Literal, Self, TypeVar, overload

import numpy as np
from jaxtyping import Shaped

from verified_nn.core import Dim, Features, Floating, InvalidArgumentError, ShapeError, describe, size_of

from ._layer import EVAL, FLOAT_DTYPES, Array, Layer, Mode, require_batch, require_weights_and_bias

Out = TypeVar("Out", bound=int)
In = TypeVar("In", bound=int)
# Method-level type variables for the static constructors (class-level ones stay unsolved there).
_O = TypeVar("_O", bound=int)
_I = TypeVar("_I", bound=int)
B = TypeVar("B", bound=int)  # the batch size of one call

Scheme = Literal["he", "glorot"]
SCHEMES: tuple[Scheme, ...] = ("he", "glorot")


def _read_only(array: Array) -> Array:
    view = array.view()
    view.flags.writeable = False
    return view


def _fill(layer: "Dense[Any, Any]", weights: Array, bias: Array) -> None:
    # Keep the layout invariant (a no-op for our own column-major results): BLAS rounds differently
    # per layout, and a resumed run must repeat an unbroken one bit for bit.
    object.__setattr__(layer, "weights", _read_only(np.asfortranarray(weights)))
    object.__setattr__(layer, "bias", _read_only(bias))


@dataclasses.dataclass(frozen=True, eq=False)
class Dense(Layer[Features[Out], Features[In]], Generic[Out, In]):
    """One dense layer: a frozen value whose arrays are read-only (weights stored column-major).

    Build one from arrays (``Dense(weights=W, bias=b)``, copied) or initialise one with
    :meth:`init`. With ``Dim`` sizes, mypy knows both sizes: ``Dense.init(Dim[Literal[128]](),
    Dim[Literal[784]](), rng=rng)`` is a ``Dense[Literal[128], Literal[784]]``.
    """

    weights: Floating[np.ndarray, "Out In"]  # the layer's own sizes, its type parameters
    bias: Floating[np.ndarray, " Out"]

    kind: ClassVar[str] = "dense"
    torch_name: ClassVar[str | None] = "Linear"

    def __post_init__(self) -> None:
        weights, bias = self.weights, self.bias
        require_weights_and_bias("Dense", weights, bias, layout="out in")
        if 0 in weights.shape:
            raise ShapeError(f"Dense: weights must have at least one row and column, got {describe(weights)}")
        # Our own copies: a caller writing to its arrays later cannot change the layer. Column-major
        # storage makes ``x @ W^T`` and the gradient ``(x^T dy)^T`` faster (benchmarks/step.py).
        object.__setattr__(self, "weights", _read_only(np.array(weights, order="F", copy=True)))
        object.__setattr__(self, "bias", _read_only(np.array(bias, copy=True)))

    def __eq__(self, other: object) -> bool:
        """Equal when of the same class with arrays equal in shape, dtype and every value."""
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Dense)
        return all(
            mine.shape == theirs.shape and mine.dtype == theirs.dtype and np.array_equal(mine, theirs)
            for mine, theirs in zip(self.parameters(), other.parameters(), strict=True)
        )

    __hash__ = None  # type: ignore[assignment]  # equal by value, and arrays are not hashable

    @classmethod
    def trusted(cls, weights: Array, bias: Array) -> "Dense[Any, Any]":
        """Build from arrays our own checked code produced: no checks, no copies (hot path)."""
        layer: Dense[Any, Any] = object.__new__(cls)
        _fill(layer, weights, bias)
        return layer

    @overload
    @staticmethod
    def init(
        out: Dim[_O], inputs: Dim[_I], *, rng: np.random.Generator, dtype: Any = ..., scheme: Scheme = ...
    ) -> "Dense[_O, _I]": ...

    @overload
    @staticmethod
    def init(
        out: int, inputs: int, *, rng: np.random.Generator, dtype: Any = ..., scheme: Scheme = ...
    ) -> "Dense[int, int]": ...

    @staticmethod
    def init(
        out: Any, inputs: Any, *, rng: np.random.Generator, dtype: Any = np.float32, scheme: Scheme = "he"
    ) -> "Dense[Any, Any]":
        """A new layer ``inputs -> out``: weights drawn from ``rng``, biases zero.

        ``scheme="he"`` draws ``N(0, 2 / in)`` (He et al. 2015: keeps the variance of ReLU-family
        activations constant through the layers); ``"glorot"`` draws ``N(0, 2 / (in + out))`` (Glorot and
        Bengio 2010, for tanh). The same generator state gives the same layer in either dtype.
        """
        fan_out, fan_in = size_of(out, name="out"), size_of(inputs, name="inputs")
        if scheme not in SCHEMES:
            raise InvalidArgumentError(f"scheme must be one of {', '.join(SCHEMES)}, got {scheme!r}")
        resolved = np.dtype(dtype)
        if resolved not in FLOAT_DTYPES:
            raise InvalidArgumentError(f"dtype must be float32 or float64, got {resolved}")
        spread = math.sqrt(2.0 / fan_in) if scheme == "he" else math.sqrt(2.0 / (fan_in + fan_out))
        weights = rng.normal(0.0, spread, size=(fan_out, fan_in)).astype(resolved)
        return Dense.trusted(weights, np.zeros(fan_out, dtype=resolved))

    @property
    def shape(self) -> tuple[int, int]:
        """``(out, in)``."""
        return (self.weights.shape[0], self.weights.shape[1])

    def forward(
        self, x: Shaped[np.ndarray, "B In"], *, mode: Mode = EVAL
    ) -> tuple[Shaped[np.ndarray, "B Out"], Floating[np.ndarray, "B In"]]:
        """``(batch, in) -> (batch, out)``: ``x W^T + b``; the cache is ``x`` in the layer's dtype."""
        weights = self.weights  # (out, in)
        fits = x.__class__ is np.ndarray and x.ndim == 2 and x.shape[1] == weights.shape[1] and x.dtype in FLOAT_DTYPES
        if not fits:  # the slow, thorough check only when the fast one fails (it raises on a real mismatch)
            require_batch("Dense.forward", "x", x, (weights.shape[1],))
        inputs = x.astype(weights.dtype, copy=False)  # (batch, in)
        outputs = inputs @ weights.T  # (batch, out)
        outputs += self.bias
        return outputs, inputs

    def backward(
        self, dy: Shaped[np.ndarray, "B Out"], cache: Shaped[np.ndarray, "B In"]
    ) -> tuple[Shaped[np.ndarray, "B In"], Self]:
        """``(dx, grads)``: ``dx = dy W`` ``(batch, in)``, grads holding ``dW = dy^T x`` and ``db = sum dy``."""
        self._check_upstream(dy, cache)
        return dy @ self.weights, self._gradients(dy, cache)

    def parameter_gradients(self, dy: Shaped[np.ndarray, "B Out"], cache: Shaped[np.ndarray, "B In"]) -> Self:
        """``dW`` and ``db`` without forming ``dx`` (what the first layer of a network needs)."""
        self._check_upstream(dy, cache)
        return self._gradients(dy, cache)

    def _check_upstream(self, dy: object, cache: Array) -> None:
        expected = (cache.shape[0], self.weights.shape[0])
        if not isinstance(dy, np.ndarray) or dy.shape != expected or dy.dtype != self.weights.dtype:
            raise ShapeError(
                f"Dense.backward: argument 'dy' expected {self.weights.dtype}[{expected[0]},{expected[1]}], "
                f"got {describe(dy)}"
            )

    def _gradients(
        self, dy: np.ndarray[tuple[B, Out], np.dtype[Any]], inputs: np.ndarray[tuple[B, In], np.dtype[Any]]
    ) -> Self:
        # The shapes are declared, so a wrong one is reported on its own line. (x^T dy)^T rather than dy^T x:
        # the product comes out column-major, like the stored weights.
        d_weights: np.ndarray[tuple[Out, In], Any] = (inputs.T @ dy).T
        d_bias: np.ndarray[tuple[Out], Any] = dy.sum(axis=0)
        return self._holding(d_weights, d_bias)

    def _holding(
        self, weights: np.ndarray[tuple[Out, In], np.dtype[Any]], bias: np.ndarray[tuple[Out], np.dtype[Any]]
    ) -> Self:
        """A layer of this type and these sizes holding ``weights`` and ``bias`` from our own code: unchecked."""
        layer = object.__new__(type(self))
        _fill(layer, weights, bias)
        return layer

    def parameters(self) -> tuple[Array, Array]:
        """``(weights, bias)``."""
        return (self.weights, self.bias)

    def parameter_names(self) -> tuple[str, str]:
        return ("weight", "bias")

    def with_parameters(self, arrays: Sequence[Array]) -> Self:
        weights, bias = arrays
        return self._holding(weights, bias)

    def input_shape(self) -> tuple[int, ...]:
        return (self.weights.shape[1],)

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        if input_shape != (self.weights.shape[1],):
            raise ShapeError(
                f"Dense({self.weights.shape[1]} -> {self.weights.shape[0]}) takes inputs of width "
                f"{self.weights.shape[1]}, got {_shape_text(input_shape)}"
            )
        return (self.weights.shape[0],)

    def config(self) -> dict[str, Any]:
        return {"in": self.weights.shape[1], "out": self.weights.shape[0]}

    @classmethod
    def from_config(cls, settings: dict[str, Any], parameters: Mapping[str, Array]) -> Self:
        """A dense layer from ``weight`` and ``bias`` arrays, checked, whose sizes must be the recorded ones."""
        if set(settings) != {"in", "out"}:
            raise InvalidArgumentError(f"dense layer: expected the settings in and out, got {sorted(settings)}")
        missing, extra = {"weight", "bias"} - set(parameters), set(parameters) - {"weight", "bias"}
        if missing or extra:
            raise ShapeError(
                f"dense layer: expected arrays weight and bias, missing {sorted(missing)}, extra {sorted(extra)}"
            )
        layer = cls(weights=parameters["weight"], bias=parameters["bias"])
        if layer.config() != settings:
            raise ShapeError(
                f"dense layer: recorded as {settings['in']} -> {settings['out']}, the arrays are {layer!r}"
            )
        return layer

    def torch_arguments(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        return (self.weights.shape[1], self.weights.shape[0]), {}

    @classmethod
    def torch_settings(cls, module: Any) -> dict[str, Any]:
        if module.bias is None:
            raise InvalidArgumentError("a Linear layer without bias")
        return {"in": module.in_features, "out": module.out_features}

    def onnx_nodes(
        self, onnx: Any, index: int, x: str, y: str, dtype: Any
    ) -> tuple[list[Any], list[Any]] | None:
        """``Gemm(x, W, b, transB=1)``: ``x W^T + b`` with the weights in their ``(out, in)`` layout."""
        weight, bias = f"{index}.weight", f"{index}.bias"
        initializers = [
            onnx.numpy_helper.from_array(np.ascontiguousarray(self.weights), weight),
            onnx.numpy_helper.from_array(np.ascontiguousarray(self.bias), bias),
        ]
        return [onnx.helper.make_node("Gemm", [x, weight, bias], [y], name=f"{index}.dense", transB=1)], initializers

    def __repr__(self) -> str:
        return f"Dense({self.weights.shape[1]} -> {self.weights.shape[0]}, {self.weights.dtype})"


def _shape_text(shape: tuple[int, ...]) -> str:
    return str(shape[0]) if len(shape) == 1 else f"shape {shape}"
