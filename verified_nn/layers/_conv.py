"""A 2-D convolution (cross-correlation, as in PyTorch) over image batches, by matrix products over blocks of rows.

Forward, for weights ``W`` ``(out_channels, in_channels, kh, kw)`` and bias ``b`` ``(out_channels,)``:
``y[n, o, p, q] = b[o] + sum_{c, i, j} W[o, c, i, j] x_pad[n, c, p sh + i, q sw + j]``, that is
``Y = [W2 | b] @ [cols; 1]`` with ``W2 = W`` reshaped to ``(out, in * kh * kw)`` and ``cols`` the windows
``(in * kh * kw, out_h * out_w * batch)`` (im2col, batch last: ``_window.py``), with a row of ones that
brings in the bias. Backward from ``dy`` ``(batch, out, out_h, out_w)``, as ``dY`` ``(out, out_h * out_w *
batch)``: ``[dW2 | db] = dY @ [cols; 1]^T`` and ``dx = col2im(W2^T @ dY)``.

The window matrix of the whole batch is large (for the ``cnn`` preset's second convolution, 14 MB: nine
copies of the input), and writing it out and reading it back twice costs more than the products. So it
is never formed: the output rows are taken in blocks whose windows fit in a core's cache
(``rows_per_block``), each block's windows are copied into one reused buffer, multiplied, and forgotten;
the backward pass copies them again block by block (a copy from cache costs less than keeping them),
and adds each block's ``W2^T dY`` straight into the input gradient.
"""

import dataclasses
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, Generic, Self, TypeVar, overload

import numpy as np

from verified_nn.core import Dim, FloatDType, Floating, InvalidArgumentError, ShapeError, describe, size_of

from ._dense import SCHEMES, Scheme
from ._layer import EVAL, FLOAT_DTYPES, Array, Layer, Mode, require_weights_and_bias
from ._window import (
    Maps,
    Pair,
    add_window_rows,
    batch_first,
    batch_last,
    output_size,
    padded,
    padded_zeros,
    pair,
    pair_text,
    require_images,
    rows_per_block,
    unpadded,
    window_blocks,
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

    weights: Floating[np.ndarray[tuple[Out, In, int, int], FloatDType], "out in kh kw"]
    bias: Floating[np.ndarray[tuple[Out], FloatDType], " out"]
    stride: Pair | int = 1  # (vertical, horizontal) step of the window; an int sets both
    padding: Pair | int = 0  # zeros added on each side (top and bottom, left and right); an int sets both

    kind: ClassVar[str] = "conv2d"

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
        count = self.weights.shape[0]
        extended = self.extended()
        result = np.empty((count, out[0], out[1], shape[0]), dtype=extended.dtype)
        for first, rows, cols in self.blocks(source, out):
            np.matmul(extended, cols, out=result[:, first : first + rows].reshape(count, -1))
        outputs: Array = batch_first(result)
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
        """``[dW2 | db]^T = sum over blocks of [cols; 1] dY_block^T`` (the windows copied again, block by block),
        and with ``inputs`` the input gradient (:meth:`_input_gradient`)."""
        flat = self._upstream(dy, cache)  # (out, oh*ow*batch)
        source, shape, out = cache
        count, size = self.weights.shape[0], self.weights[0].size  # size: in * kh * kw
        gradients = np.zeros((size + 1, count), dtype=flat.dtype)  # [dW2 | db]^T: this order multiplies faster
        width = out[1] * shape[0]  # columns per output row
        for first, rows, cols in self.blocks(source, out):
            gradients += cols @ flat[:, first * width : (first + rows) * width].T
        grads = self._holding(gradients[:size].T.reshape(self.weights.shape), gradients[size])
        return (self._input_gradient(dy, flat, shape, out) if inputs else None), grads

    def _input_gradient(self, dy: Any, flat: Array, shape: tuple[int, ...], out: Pair) -> Array:
        """``dx`` ``(batch, in, h, w)``, block by block of rows.

        With stride 1 and padding below the kernel, ``dx`` is the convolution of ``dy`` padded by ``k - 1 - p``
        with the kernel turned by 180 degrees and its channel axes swapped: each block of ``dx``'s rows is one
        product written in place. Otherwise ``col2im(W2^T dY)``: each block's ``W2^T dY_block`` is added into
        the padded gradient where its windows came from.
        """
        kernel, stride, padding = self.window()
        count, channels = self.weights.shape[:2]
        if stride == (1, 1) and padding[0] < kernel[0] and padding[1] < kernel[1]:
            turned = self._turned()  # (in, out*kh*kw)
            spread = (kernel[0] - 1 - padding[0], kernel[1] - 1 - padding[1])
            size = (shape[2], shape[3])
            result = np.empty((channels, *size, shape[0]), dtype=flat.dtype)
            for first, rows, cols in window_blocks(padded(dy, spread), kernel, (1, 1), size, ones=False):
                np.matmul(turned, cols, out=result[:, first : first + rows].reshape(channels, -1))
            return batch_first(result)
        transposed = self.weights.reshape(count, -1).T  # (in*kh*kw, out)
        d_source = padded_zeros(shape, padding, flat.dtype)
        width = out[1] * shape[0]
        step = rows_per_block(out[0], transposed.shape[0] * width * flat.itemsize)
        for first in range(0, out[0], step):
            rows = min(step, out[0] - first)
            d_cols = transposed @ flat[:, first * width : (first + rows) * width]
            add_window_rows(d_source, kernel, stride, first, d_cols.reshape(channels, *kernel, rows, out[1], shape[0]))
        return unpadded(d_source, padding)

    def _turned(self) -> Array:
        """``(in, out * kh * kw)``: the kernels turned by 180 degrees, input and output channels swapped."""
        turned: Array = self.weights[:, :, ::-1, ::-1].transpose(1, 0, 2, 3).reshape(self.weights.shape[1], -1)
        return turned

    def blocks(self, source: Array, out: Pair) -> Iterator[tuple[int, int, Array]]:
        """``(first row, rows, [cols; 1])`` for each block of output rows (``window_blocks``): an even number of
        rows in every block but the last, so that 2x2 pooling can take them block by block (``_conv_pool.py``)
        from the same products, to the last bit."""
        kernel, stride, _ = self.window()
        return window_blocks(source, kernel, stride, out, ones=True, multiple=2)

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

    def _holding(self, weights: Array, bias: Array) -> Self:
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

    def __repr__(self) -> str:
        out, channels, _, _ = self.weights.shape
        return (
            f"Conv2D({channels} -> {out}, {pair_text(self.kernel, 'x')}, stride {pair_text(self._stride())}, "
            f"padding {pair_text(self._padding())}, {self.weights.dtype})"
        )
