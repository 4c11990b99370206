"""A 2-D convolution (cross-correlation, as in PyTorch) over image batches, by matrix products over windows.

Forward, for weights ``W`` ``(out_channels, in_channels, kh, kw)`` and bias ``b`` ``(out_channels,)``:
``y[n, o, p, q] = b[o] + sum_{c, i, j} W[o, c, i, j] x_pad[n, c, p sh + i, q sw + j]``, that is
``Y = [W2 | b] @ [cols; 1]`` with ``W2 = W`` reshaped to ``(out, in * kh * kw)`` and ``cols`` the windows
``(in * kh * kw, out_h * out_w * batch)`` (im2col, batch last: ``_window.py``), with a row of ones that
brings in the bias. Backward from ``dy`` ``(batch, out, out_h, out_w)``, as ``dY`` ``(out, out_h * out_w *
batch)``: ``[dW2 | db] = dY @ [cols; 1]^T`` and ``dx = col2im(W2^T @ dY)``. The products run block by block
of output rows (``_conv_blocks.py``).
"""

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Generic, Self, TypeVar, overload

import numpy as np

from verified_nn.core import Dim, Floating, InvalidArgumentError, ShapeError, describe, size_of

from . import _conv_blocks as blocked
from ._dense import SCHEMES, Scheme
from ._layer import EVAL, FLOAT_DTYPES, Array, Layer, Mode, require_weights_and_bias
from ._window import (
    Maps,
    Pair,
    batch_first,
    batch_last,
    onnx_window,
    output_size,
    padded,
    pair,
    pair_text,
    require_images,
    unpadded,
)

Out = TypeVar("Out", bound=int)  # output channels
In = TypeVar("In", bound=int)  # input channels
# Method-level type variables for the static constructor (class-level ones stay unsolved there).
_O = TypeVar("_O", bound=int)
_I = TypeVar("_I", bound=int)


def _read_only(array: Array) -> Array:
    view = array.view()
    view.flags.writeable = False
    return view


@dataclasses.dataclass(frozen=True, eq=False)
class Conv2D(Layer[Maps[Out, Any, Any], Maps[In, Any, Any]], Generic[Out, In]):
    """A convolution: a frozen value holding read-only weights ``(out, in, kh, kw)`` and bias ``(out,)``.

    Build one from arrays (``Conv2D(weights=W, bias=b, stride=1, padding=2)``, copied) or initialise one
    with :meth:`init`. With ``Dim`` channel counts mypy knows both: ``Conv2D.init(Dim[Literal[32]](),
    Dim[Literal[1]](), kernel=5, rng=rng)`` is a ``Conv2D[Literal[32], Literal[1]]``, which takes
    ``Maps[Literal[1], Any, Any]`` (one channel, any height and width) to ``Maps[Literal[32], Any, Any]``.
    The spatial sizes are not in the type: mypy cannot compute ``(h + 2p - k) // s + 1``; they are checked
    when a network is built and at every call.
    """

    weights: Floating[np.ndarray, "Out In kh kw"]  # Out, In: the layer's type parameters
    bias: Floating[np.ndarray, " Out"]
    stride: Pair | int = 1  # (vertical, horizontal) step of the window; an int sets both
    padding: Pair | int = 0  # zeros added on each side (top and bottom, left and right); an int sets both

    kind: ClassVar[str] = "conv2d"
    torch_name: ClassVar[str | None] = "Conv2d"

    def __post_init__(self) -> None:
        weights, bias = self.weights, self.bias
        require_weights_and_bias("Conv2D", weights, bias, layout="out in kh kw")
        if 0 in weights.shape:
            raise ShapeError(f"Conv2D: weights must have no empty axis, got {describe(weights)}")
        object.__setattr__(self, "stride", pair(self.stride, name="stride", where="Conv2D", minimum=1))
        object.__setattr__(self, "padding", pair(self.padding, name="padding", where="Conv2D", minimum=0))
        # Our own copies: a caller writing to its arrays later cannot change the layer.
        object.__setattr__(self, "weights", _read_only(np.array(weights, order="C", copy=True)))
        object.__setattr__(self, "bias", _read_only(np.array(bias, copy=True)))

    def __eq__(self, other: object) -> bool:
        """Equal when of the same class with the same stride, padding, and arrays equal in shape, dtype, values."""
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Conv2D)
        return (self.stride, self.padding) == (other.stride, other.padding) and all(
            mine.shape == theirs.shape and mine.dtype == theirs.dtype and np.array_equal(mine, theirs)
            for mine, theirs in zip(self.parameters(), other.parameters(), strict=True)
        )

    __hash__ = None  # type: ignore[assignment]  # equal by value, and arrays are not hashable

    @classmethod
    def trusted(cls, weights: Array, bias: Array, stride: Pair, padding: Pair) -> "Conv2D[Any, Any]":
        """Build from arrays and settings our own checked code produced: no checks, no copies (hot path)."""
        layer: Conv2D[Any, Any] = object.__new__(cls)
        # One layout (row-major) for parameters and gradients: a resumed run repeats an unbroken one exactly.
        object.__setattr__(layer, "weights", _read_only(np.ascontiguousarray(weights)))
        object.__setattr__(layer, "bias", _read_only(bias))
        object.__setattr__(layer, "stride", stride)
        object.__setattr__(layer, "padding", padding)
        return layer

    @overload
    @staticmethod
    def init(
        out: Dim[_O],
        inputs: Dim[_I],
        *,
        kernel: int | Pair,
        stride: int | Pair = ...,
        padding: int | Pair = ...,
        rng: np.random.Generator,
        dtype: Any = ...,
        scheme: Scheme = ...,
    ) -> "Conv2D[_O, _I]": ...

    @overload
    @staticmethod
    def init(
        out: int,
        inputs: int,
        *,
        kernel: int | Pair,
        stride: int | Pair = ...,
        padding: int | Pair = ...,
        rng: np.random.Generator,
        dtype: Any = ...,
        scheme: Scheme = ...,
    ) -> "Conv2D[int, int]": ...

    @staticmethod
    def init(
        out: Any,
        inputs: Any,
        *,
        kernel: int | Pair,
        stride: int | Pair = 1,
        padding: int | Pair = 0,
        rng: np.random.Generator,
        dtype: Any = np.float32,
        scheme: Scheme = "he",
    ) -> "Conv2D[Any, Any]":
        """A new convolution ``inputs -> out`` channels with a ``kernel`` window: weights from ``rng``, biases zero.

        Each output sums ``fan_in = inputs * kh * kw`` products; ``"he"`` draws ``N(0, 2 / fan_in)`` and
        ``"glorot"`` ``N(0, 2 / (fan_in + fan_out))`` with ``fan_out = out * kh * kw``, as for
        :meth:`Dense.init`. The same generator state gives the same layer in either dtype.
        """
        channels_out, channels_in = size_of(out, name="out"), size_of(inputs, name="inputs")
        kh, kw = pair(kernel, name="kernel", where="Conv2D.init", minimum=1)
        steps = pair(stride, name="stride", where="Conv2D.init", minimum=1)
        pads = pair(padding, name="padding", where="Conv2D.init", minimum=0)
        if scheme not in SCHEMES:
            raise InvalidArgumentError(f"scheme must be one of {', '.join(SCHEMES)}, got {scheme!r}")
        resolved = np.dtype(dtype)
        if resolved not in FLOAT_DTYPES:
            raise InvalidArgumentError(f"dtype must be float32 or float64, got {resolved}")
        fan_in, fan_out = channels_in * kh * kw, channels_out * kh * kw
        spread = math.sqrt(2.0 / fan_in) if scheme == "he" else math.sqrt(2.0 / (fan_in + fan_out))
        weights = rng.normal(0.0, spread, size=(channels_out, channels_in, kh, kw)).astype(resolved)
        return Conv2D.trusted(weights, np.zeros(channels_out, dtype=resolved), steps, pads)

    # Settings, as pairs (the constructor normalises ints).

    @property
    def kernel(self) -> Pair:
        """``(kh, kw)``."""
        return (self.weights.shape[2], self.weights.shape[3])

    def window(self) -> tuple[Pair, Pair, Pair]:
        """``(kernel, stride, padding)``, each a pair ``(vertical, horizontal)``."""
        return self.kernel, self.stride, self.padding  # type: ignore[return-value]  # pairs after __post_init__

    def _stride(self) -> Pair:
        return self.window()[1]

    def _padding(self) -> Pair:
        return self.window()[2]

    def _output(self, size: Pair, *, where: str | Callable[[], str]) -> Pair:
        return output_size(size, *self.window(), where=where)

    # The layer protocol.

    def forward(
        self, x: np.ndarray[Maps[In, Any, Any], np.dtype[Any]], *, mode: Mode = EVAL
    ) -> tuple[np.ndarray[Maps[Out, Any, Any], Any], Any]:
        """``(batch, in, h, w) -> (batch, out, out_h, out_w)``; the cache holds the padded input and the sizes."""
        source, shape, out = self.prepared(x)
        kernel, stride, _ = self.window()
        outputs: Array = batch_first(blocked.convolve(self.extended(), source, kernel, stride, out))
        return outputs, (source, shape, out)

    def prepared(self, x: object) -> tuple[Array, tuple[int, ...], Pair]:
        """``(source, shape, out)`` for an input batch ``x``: the input in the weights' dtype, padded and laid out
        batch last ``(in, h + 2ph, w + 2pw, batch)``, its shape, the output size; ShapeError if it does not fit."""
        weights = self.weights
        fits = x.__class__ is np.ndarray and x.ndim == 4 and x.shape[1] == weights.shape[1] and x.dtype in FLOAT_DTYPES
        if not fits:  # the slow, thorough check only when the fast one fails (it raises on a real mismatch)
            require_images("Conv2D.forward", "x", x, weights.shape[1])
        assert isinstance(x, np.ndarray)
        out = self._output((x.shape[2], x.shape[3]), where=lambda: f"Conv2D.forward ({self!r})")
        inputs = x.astype(weights.dtype, copy=False)
        return padded(inputs, self._padding()), inputs.shape, out

    def extended(self) -> Array:
        """``[W2 | b]`` ``(out, in * kh * kw + 1)``: what multiplies the windows with their row of ones."""
        count = self.weights.shape[0]
        extended: Array = np.concatenate([self.weights.reshape(count, -1), self.bias[:, None]], axis=1)
        return extended

    def backward(
        self, dy: np.ndarray[Maps[Out, Any, Any], np.dtype[Any]], cache: Any
    ) -> tuple[np.ndarray[Maps[In, Any, Any], Any], Self]:
        """``(dx, grads)``: ``dx = col2im(W2^T dY)`` ``(batch, in, h, w)``; grads hold ``dW`` and ``db``."""
        return self.gradients(dy, cache, inputs=True)

    def parameter_gradients(self, dy: np.ndarray[Maps[Out, Any, Any], np.dtype[Any]], cache: Any) -> Self:
        """``dW`` and ``db`` without forming ``dx`` (what the first layer of a network needs)."""
        return self.gradients(dy, cache, inputs=False)[1]

    def gradients(self, dy: object, cache: Any, *, inputs: bool) -> tuple[Any, Self]:
        """``(dx or None, grads)``: ``[dW2 | db]`` block by block (``_conv_blocks.py``), and with ``inputs`` the
        input gradient: the convolution of ``dy`` with the turned kernel for stride 1 (and padding below the
        kernel), else ``col2im(W2^T dY)``."""
        flat = self._upstream(dy, cache)  # (out, oh*ow*batch)
        source, shape, out = cache
        kernel, stride, padding = self.window()
        size = self.weights[0].size  # in * kh * kw
        gradients = blocked.weight_gradients(flat, source, kernel, stride, out)  # [dW2 | db]^T
        grads = self.holding(gradients[:size].T.reshape(self.weights.shape), gradients[size])
        if not inputs:
            return None, grads
        if stride == (1, 1) and padding[0] < kernel[0] and padding[1] < kernel[1]:
            upstream = batch_first(flat.reshape(flat.shape[0], out[0], out[1], shape[0]))  # dy, checked
            d_inputs = blocked.turned_convolution(self._turned(), upstream, kernel, padding, (shape[2], shape[3]))
            return batch_first(d_inputs), grads
        transposed = self.weights.reshape(self.weights.shape[0], -1).T  # (in*kh*kw, out)
        d_source = blocked.scattered(transposed, flat, shape, kernel, stride, padding, out)
        return unpadded(d_source, padding), grads

    def _turned(self) -> Array:
        """``(in, out * kh * kw)``: the kernels turned by 180 degrees, input and output channels swapped."""
        turned: Array = self.weights[:, :, ::-1, ::-1].transpose(1, 0, 2, 3).reshape(self.weights.shape[1], -1)
        return turned

    def _upstream(self, dy: object, cache: Any) -> Array:
        """``dy`` ``(batch, out, oh, ow)`` as ``dY`` ``(out, oh * ow * batch)``; ShapeError unless it fits the cache."""
        _, shape, out = cache
        expected = (shape[0], self.weights.shape[0], out[0], out[1])
        if not isinstance(dy, np.ndarray) or dy.shape != expected or dy.dtype != self.weights.dtype:
            raise ShapeError(
                f"Conv2D.backward: argument 'dy' expected {self.weights.dtype}[{','.join(map(str, expected))}], "
                f"got {describe(dy)}"
            )
        return batch_last(dy).reshape(expected[1], -1)  # a view when dy is laid out batch last, as ours are

    def holding(self, weights: Array, bias: Array) -> Self:
        """A layer of this type and settings holding ``weights`` and ``bias`` from our own code: unchecked."""
        return type(self).trusted(weights, bias, self._stride(), self._padding())  # type: ignore[return-value]

    def parameters(self) -> tuple[Array, Array]:
        """``(weights, bias)``."""
        return (self.weights, self.bias)

    def parameter_names(self) -> tuple[str, str]:
        return ("weight", "bias")

    def with_parameters(self, arrays: Sequence[Array]) -> Self:
        weights, bias = arrays
        return type(self).trusted(weights, bias, self._stride(), self._padding())  # type: ignore[return-value]

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """``(out, out_h, out_w)`` for ``(in, h, w)``; ShapeError naming the sizes if it does not fit."""
        channels = self.weights.shape[1]
        if len(input_shape) != 3 or input_shape[0] != channels:
            raise ShapeError(f"{self!r} takes inputs of shape ({channels}, height, width), got {input_shape}")
        out = self._output((input_shape[1], input_shape[2]), where=repr(self))
        return (self.weights.shape[0], *out)

    def config(self) -> dict[str, Any]:
        return {
            "in": self.weights.shape[1],
            "out": self.weights.shape[0],
            "kernel": list(self.kernel),
            "stride": list(self._stride()),
            "padding": list(self._padding()),
        }

    @classmethod
    def from_config(cls, settings: dict[str, Any], parameters: Mapping[str, Array]) -> Self:
        """A convolution from ``weight`` and ``bias`` arrays, checked, whose sizes must be the recorded ones."""
        if set(settings) != {"in", "out", "kernel", "stride", "padding"}:
            raise InvalidArgumentError(
                f"conv2d layer: expected the settings in, out, kernel, stride and padding, got {sorted(settings)}"
            )
        missing, extra = {"weight", "bias"} - set(parameters), set(parameters) - {"weight", "bias"}
        if missing or extra:
            raise ShapeError(
                f"conv2d layer: expected arrays weight and bias, missing {sorted(missing)}, extra {sorted(extra)}"
            )
        stride, padding = settings["stride"], settings["padding"]
        layer = cls(weights=parameters["weight"], bias=parameters["bias"], stride=stride, padding=padding)
        if layer.config() != settings:
            raise ShapeError(f"conv2d layer: recorded as {settings}, the arrays are {layer!r}")
        return layer

    def torch_arguments(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        out, inputs, _, _ = self.weights.shape
        return (inputs, out, tuple(self.kernel)), {"stride": tuple(self._stride()), "padding": tuple(self._padding())}

    @classmethod
    def torch_settings(cls, module: Any) -> dict[str, Any]:
        if module.bias is None or module.groups != 1 or tuple(module.dilation) != (1, 1):
            raise InvalidArgumentError("a convolution without bias, with groups or with dilation")
        if isinstance(module.padding, str) or module.padding_mode != "zeros":
            raise InvalidArgumentError(f"padding {module.padding!r} ({module.padding_mode})")
        return {
            "in": module.in_channels,
            "out": module.out_channels,
            "kernel": list(pair(module.kernel_size, name="kernel", where="Conv2d", minimum=1)),
            "stride": list(pair(module.stride, name="stride", where="Conv2d", minimum=1)),
            "padding": list(pair(module.padding, name="padding", where="Conv2d", minimum=0)),
        }

    def onnx_nodes(
        self, onnx: Any, index: int, x: str, y: str, dtype: Any
    ) -> tuple[list[Any], list[Any]] | None:
        """``Conv`` with the weights ``(out, in, kh, kw)`` as they are; ONNX pads ``(top, left, bottom, right)``."""
        weight, bias = f"{index}.weight", f"{index}.bias"
        initializers = [
            onnx.numpy_helper.from_array(np.ascontiguousarray(self.weights), weight),
            onnx.numpy_helper.from_array(np.ascontiguousarray(self.bias), bias),
        ]
        window = onnx_window(*self.window())
        return [onnx.helper.make_node("Conv", [x, weight, bias], [y], name=f"{index}.conv2d", **window)], initializers

    def __repr__(self) -> str:
        out, channels, _, _ = self.weights.shape
        return (
            f"Conv2D({channels} -> {out}, {pair_text(self.kernel, 'x')}, stride {pair_text(self._stride())}, "
            f"padding {pair_text(self._padding())}, {self.weights.dtype})"
        )
