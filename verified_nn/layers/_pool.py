"""Max and average pooling over image batches: each window of each channel becomes one value.

Forward, for a ``kh x kw`` window moved by ``stride`` over ``x`` padded by ``padding``: max pooling
``y[n, c, p, q] = max_{i, j} x_pad[n, c, p sh + i, q sw + j]`` (padding is ``-inf``: it never wins),
average pooling the mean of the same ``kh * kw`` values (padding counts as zeros, as in PyTorch's
default). Backward: max pooling sends ``dy`` to the one input that won (the first maximum in row-major
window order, on ties); average pooling spreads ``dy / (kh * kw)`` over the window. Both are one
vectorised pass per kernel offset ``(i, j)``.
"""

import dataclasses
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Self, TypeAlias

import numpy as np

from verified_nn.core import InvalidArgumentError, ShapeError, describe

from ._layer import EVAL, FLOAT_DTYPES, Array, Layer, Mode
from ._window import (
    Maps,
    Pair,
    batch_first,
    batch_last,
    offsets,
    onnx_window,
    output_size,
    padded,
    padded_zeros,
    pair,
    pair_text,
    require_images,
    unpadded,
)

if TYPE_CHECKING:  # a default for the type variable: ``MaxPool2D(2)`` alone is a ``MaxPool2D[Any]``
    from typing_extensions import TypeVar

    C = TypeVar("C", bound=int, default=Any)
else:
    from typing import TypeVar

    C = TypeVar("C", bound=int)


@dataclasses.dataclass(frozen=True)
class Pool2D(Layer[Maps[C, Any, Any], Maps[C, Any, Any]], Generic[C]):
    """What both poolings share: the window, the checks, and the shapes; channels pass through unchanged.

    ``C`` is the channel count, which pooling keeps: in ``network.then(MaxPool2D(2))`` mypy takes it
    from the network's output so far, so the layer after the pooling is checked against it.
    """

    kernel: Pair | int  # (kh, kw) of the window; an int sets both
    stride: Pair | int | None = None  # the window's step; None: the kernel (windows side by side)
    padding: Pair | int = 0  # added on each side, less than the kernel: every window holds an image pixel

    def __post_init__(self) -> None:
        where = type(self).__name__
        kernel = pair(self.kernel, name="kernel", where=where, minimum=1)
        stride = kernel if self.stride is None else pair(self.stride, name="stride", where=where, minimum=1)
        padding = pair(self.padding, name="padding", where=where, minimum=0)
        if padding[0] >= kernel[0] or padding[1] >= kernel[1]:
            raise InvalidArgumentError(
                f"{where}: padding {pair_text(padding)} must be less than the kernel {pair_text(kernel, 'x')}"
            )
        object.__setattr__(self, "kernel", kernel)
        object.__setattr__(self, "stride", stride)
        object.__setattr__(self, "padding", padding)

    def window(self) -> tuple[Pair, Pair, Pair]:
        """``(kernel, stride, padding)``, each a pair."""
        return self.kernel, self.stride, self.padding  # type: ignore[return-value]  # pairs after __post_init__

    def overlapping(self) -> bool:
        """Whether windows overlap (a stride smaller than the kernel), so that backward must add, not write."""
        kernel, stride, _ = self.window()
        return stride[0] < kernel[0] or stride[1] < kernel[1]

    def _check_input(self, x: object) -> tuple[Array, Pair]:
        """``x`` and the output size ``(out_h, out_w)``; ShapeError if ``x`` is no image batch or too small."""
        if not (isinstance(x, np.ndarray) and x.ndim == 4 and x.dtype in FLOAT_DTYPES):
            x = require_images(f"{type(self).__name__}.forward", "x", x, None)
        out = output_size(
            (x.shape[2], x.shape[3]), *self.window(), where=lambda: f"{type(self).__name__}.forward ({self!r})"
        )
        return x, out

    def _check_upstream(self, dy: object, shape: tuple[int, ...], out: Pair, dtype: Any) -> Array:
        """``dy`` seen batch last, ``(channels, out_h, out_w, batch)``; ShapeError unless it fits."""
        expected = (shape[0], shape[1], out[0], out[1])
        if not isinstance(dy, np.ndarray) or dy.shape != expected or dy.dtype != dtype:
            raise ShapeError(
                f"{type(self).__name__}.backward: argument 'dy' expected {dtype}[{','.join(map(str, expected))}], "
                f"got {describe(dy)}"
            )
        return batch_last(dy)

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        """``(channels, out_h, out_w)`` for ``(channels, h, w)``; ShapeError naming the sizes if it does not fit."""
        if len(input_shape) != 3:
            raise ShapeError(f"{self!r} takes inputs of shape (channels, height, width), got {input_shape}")
        return (input_shape[0], *output_size((input_shape[1], input_shape[2]), *self.window(), where=repr(self)))

    def config(self) -> dict[str, Any]:
        kernel, stride, padding = self.window()
        return {"kernel": list(kernel), "stride": list(stride), "padding": list(padding)}

    def torch_arguments(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        kernel, stride, padding = self.window()
        return (kernel,), {"stride": stride, "padding": padding}

    @classmethod
    def torch_settings(cls, module: Any) -> dict[str, Any]:
        if module.ceil_mode:
            raise InvalidArgumentError("ceil_mode=True")
        where = cls.__name__
        return {
            "kernel": list(pair(module.kernel_size, name="kernel", where=where, minimum=1)),
            "stride": list(pair(module.stride, name="stride", where=where, minimum=1)),
            "padding": list(pair(module.padding, name="padding", where=where, minimum=0)),
        }

    def __repr__(self) -> str:
        kernel, stride, padding = self.window()
        settings = f"{pair_text(kernel, 'x')}, stride {pair_text(stride)}, padding {pair_text(padding)}"
        return f"{type(self).__name__}({settings})"


@dataclasses.dataclass(frozen=True, repr=False)
class MaxPool2D(Pool2D[C], Generic[C]):
    """The largest value of each window; the cache records which offset won, for the backward pass."""

    kind: ClassVar[str] = "max_pool2d"
    torch_name: ClassVar[str | None] = "MaxPool2d"

    @classmethod
    def torch_settings(cls, module: Any) -> dict[str, Any]:
        if (
            list(pair(module.dilation, name="dilation", where="MaxPool2d", minimum=1)) != [1, 1]
            or module.return_indices
        ):
            raise InvalidArgumentError("dilation or return_indices")
        return super().torch_settings(module)

    def onnx_nodes(
        self, onnx: Any, index: int, x: str, y: str, dtype: Any
    ) -> tuple[list[Any], list[Any]] | None:
        return [
            onnx.helper.make_node("MaxPool", [x], [y], name=f"{index}.max_pool2d", **onnx_window(*self.window()))
        ], []

    def forward(
        self, x: np.ndarray[Maps[C, Any, Any], np.dtype[Any]], *, mode: Mode = EVAL
    ) -> tuple[np.ndarray[Maps[C, Any, Any], Any], Any]:
        """``(batch, c, h, w) -> (batch, c, out_h, out_w)``; the cache is the winning offsets, shapes and dtype."""
        images, out = self._check_input(x)
        kernel, stride, padding = self.window()
        source = padded(images, padding, fill=-np.inf)  # (c, hp, wp, batch)
        best, winner = largest(source, offsets(kernel, stride, out))
        return batch_first(best), (winner, images.shape, out, images.dtype)

    def backward(
        self, dy: np.ndarray[Maps[C, Any, Any], np.dtype[Any]], cache: Any
    ) -> tuple[np.ndarray[Maps[C, Any, Any], Any], Self]:
        """``(dx, self)``: each ``dy`` value added to the input that won its window; zeros elsewhere."""
        winner, shape, out, dtype = cache
        upstream = self._check_upstream(dy, shape, out, dtype)
        kernel, stride, padding = self.window()
        result = padded_zeros(shape, padding, dtype)
        route(upstream, winner, offsets(kernel, stride, out), result, add=self.overlapping())
        return unpadded(result, padding), self


Windows: TypeAlias = list[tuple[int, int, tuple[slice, slice]]]


def largest(source: Array, windows: Windows) -> tuple[Array, Array]:
    """``(best, winner)``: the maximum of each window of ``source`` ``(c, hp, wp, batch)`` and the number of the
    first window offset that holds it, both ``(c, oh, ow, batch)``."""
    return largest_of([source[:, rows, columns] for _, _, (rows, columns) in windows])


def largest_of(candidates: list[Array]) -> tuple[Array, Array]:
    """``(best, winner)``: the elementwise maximum of ``candidates`` (arrays of one shape) and the index of the
    first candidate that holds it."""
    if len(candidates) == 4:  # a 2x2 window: a tournament of pairs takes 8 passes instead of 13
        return _largest_of_four(*candidates)
    best = candidates[0].copy()
    winner = np.zeros(best.shape, dtype=np.uint8 if len(candidates) < 255 else np.int32)
    for number, candidate in enumerate(candidates[1:], start=1):
        better = np.greater(candidate, best)  # strictly: on ties the earlier offset keeps the gradient
        np.maximum(best, candidate, out=best)
        # winner = number where better; numbers only grow, so a maximum does it (faster than a masked write)
        np.maximum(winner, better * winner.dtype.type(number), out=winner)
    return best, winner


def _largest_of_four(c0: Array, c1: Array, c2: Array, c3: Array) -> tuple[Array, Array]:
    """:func:`largest_of` for four candidates: the larger of each pair, then of the pairs; on ties the earlier."""
    first, second = np.maximum(c0, c1), np.maximum(c2, c3)
    winner = np.greater(c1, c0).view(np.uint8)  # 0 or 1: strictly greater, so a tie keeps the earlier
    later = np.greater(c3, c2).view(np.uint8)
    later += 2  # 2 or 3
    later -= winner  # winner += (later - winner) where the second pair wins: arithmetic, not a masked
    later *= np.greater(second, first).view(np.uint8)  # write (np.where and copyto(where=) are 20x slower)
    winner += later
    return np.maximum(first, second, out=first), winner


def route(upstream: Array, winner: Array, windows: Windows, result: Array, *, add: bool) -> None:
    """Send each value of ``upstream`` ``(c, oh, ow, batch)`` to the input of ``result`` ``(c, hp, wp, batch)`` that
    won its window (``winner``); with ``add`` (overlapping windows) add it, else write it (and zero the others)."""
    for number, (_, _, (rows, columns)) in enumerate(windows):
        if add:
            result[:, rows, columns] += upstream * (winner == number)
        else:  # each input lies in one window at most: write, do not add
            np.multiply(upstream, winner == number, out=result[:, rows, columns])


@dataclasses.dataclass(frozen=True, repr=False)
class AvgPool2D(Pool2D[C], Generic[C]):
    """The mean of each window's ``kh * kw`` values (padding counted as zeros)."""

    kind: ClassVar[str] = "avg_pool2d"
    torch_name: ClassVar[str | None] = "AvgPool2d"

    @classmethod
    def torch_settings(cls, module: Any) -> dict[str, Any]:
        if not module.count_include_pad or module.divisor_override is not None:
            raise InvalidArgumentError("count_include_pad=False or a divisor_override")
        return super().torch_settings(module)

    def onnx_nodes(
        self, onnx: Any, index: int, x: str, y: str, dtype: Any
    ) -> tuple[list[Any], list[Any]] | None:
        """``AveragePool`` counting padding as zeros (``count_include_pad=1``), as here."""
        window = onnx_window(*self.window())
        node = onnx.helper.make_node("AveragePool", [x], [y], name=f"{index}.avg_pool2d", count_include_pad=1, **window)
        return [node], []

    def forward(
        self, x: np.ndarray[Maps[C, Any, Any], np.dtype[Any]], *, mode: Mode = EVAL
    ) -> tuple[np.ndarray[Maps[C, Any, Any], Any], Any]:
        """``(batch, c, h, w) -> (batch, c, out_h, out_w)``; the cache is the shapes and the dtype."""
        images, out = self._check_input(x)
        kernel, stride, padding = self.window()
        source = padded(images, padding)  # (c, hp, wp, batch)
        total = np.zeros((source.shape[0], out[0], out[1], source.shape[3]), dtype=images.dtype)
        for _, _, (rows, columns) in offsets(kernel, stride, out):
            total += source[:, rows, columns]
        total /= kernel[0] * kernel[1]  # a Python number: the division stays in the images' dtype
        return batch_first(total), (images.shape, out, images.dtype)

    def backward(
        self, dy: np.ndarray[Maps[C, Any, Any], np.dtype[Any]], cache: Any
    ) -> tuple[np.ndarray[Maps[C, Any, Any], Any], Self]:
        """``(dx, self)``: each ``dy`` value divided by ``kh * kw`` and added to every input of its window."""
        shape, out, dtype = cache
        upstream = self._check_upstream(dy, shape, out, dtype)
        kernel, stride, padding = self.window()
        share = upstream / (kernel[0] * kernel[1])  # (c, oh, ow, batch), in dy's dtype
        result = padded_zeros(shape, padding, dtype)
        for _, _, (rows, columns) in offsets(kernel, stride, out):
            if self.overlapping():
                result[:, rows, columns] += share
            else:  # each input lies in one window at most: write, do not add
                result[:, rows, columns] = share
        return unpadded(result, padding), self
