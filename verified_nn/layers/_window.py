"""Sliding windows over image batches: the output-size arithmetic, the batch-last layout, windows block by block.

An image batch is ``(batch, channels, height, width)``. A ``kh x kw`` window moved by ``stride``
``(sh, sw)`` over the image zero-padded by ``padding`` ``(ph, pw)`` on every side stops at
``out = (size + 2 p - k) // s + 1`` positions along each axis.

Inside the layers, arrays are laid out with the batch last, ``(channels, height, width, batch)`` in
memory, and handed out as transposed views of shape ``(batch, channels, height, width)``. Every window
then moves over the outer axes, and each copy or comparison streams runs of whole rows of batch values,
where the batch-first or channels-first layouts step through rows of a few values: for the ``cnn``
preset's second convolution the window copies took 1.3 ms instead of 2.5, its 2x2 tiles 0.9 instead of
1.9, the first pooling 0.7 instead of 1.2 (``benchmarks/cnn.py --profile``). The window matrix (im2col),
``(channels * kh * kw, out_h * out_w * batch)``, and its product with the weights ``(out_channels,
channels * kh * kw)`` are then in that layout too, with no transposition; a convolution forms it one
block of output rows at a time (``window_blocks``), and adds gradients back block by block
(``add_window_rows``, the adjoint: col2im).
"""

from collections.abc import Callable, Iterator
from typing import Any, Final, TypeAlias, TypeVar

import numpy as np

from verified_nn.core import InvalidArgumentError, ShapeError, describe

from ._layer import FLOAT_DTYPES, Array

_C = TypeVar("_C", bound=int)
_H = TypeVar("_H", bound=int)
_W = TypeVar("_W", bound=int)

# The static shape of a batch of C feature maps of H x W: ``Maps[Literal[1], Literal[28], Literal[28]]``
# is ``tuple[Any, Literal[1], Literal[28], Literal[28]]``; the batch axis is unknown, as in ``Features``.
Maps: TypeAlias = tuple[Any, _C, _H, _W]

Pair: TypeAlias = tuple[int, int]


def pair(value: object, *, name: str, where: str, minimum: int) -> Pair:
    """``value`` as ``(vertical, horizontal)``: an int for both axes or two ints, each ``>= minimum``."""
    items = value if isinstance(value, tuple | list) else (value, value)
    fits = len(items) == 2 and all(
        isinstance(item, int | np.integer) and not isinstance(item, bool) and item >= minimum for item in items
    )
    if not fits:
        raise InvalidArgumentError(f"{where}: {name} must be an int >= {minimum} or two of them, got {value!r}")
    return (int(items[0]), int(items[1]))


def onnx_window(kernel: Pair, stride: Pair, padding: Pair) -> dict[str, list[int]]:
    """The ONNX attributes of a window: its kernel, strides, and the padding twice, ``(top, left, bottom, right)``."""
    return {"kernel_shape": list(kernel), "strides": list(stride), "pads": [*padding, *padding]}


def pair_text(values: Pair, joiner: str = ",") -> str:
    """``(5, 5)`` -> ``"5"`` (``"5x5"`` with ``joiner="x"``); ``(3, 5)`` -> ``"3,5"``."""
    if joiner == "x" or values[0] != values[1]:
        return f"{values[0]}{joiner}{values[1]}"
    return str(values[0])


def output_size(size: Pair, kernel: Pair, stride: Pair, padding: Pair, *, where: str | Callable[[], str]) -> Pair:
    """``(out_h, out_w)`` with ``out = (size + 2 p - k) // s + 1`` per axis; ShapeError if a kernel does not fit.

    ``where`` names the caller in the error; a function is called only then (a layer's repr costs time per call).
    """
    outputs = tuple((n + 2 * p - k) // s + 1 for n, k, s, p in zip(size, kernel, stride, padding, strict=True))
    for axis, n, k, s, p, out in zip(("height", "width"), size, kernel, stride, padding, outputs, strict=True):
        if out < 1:
            caller = where if isinstance(where, str) else where()
            raise ShapeError(
                f"{caller}: the {pair_text(kernel, 'x')} kernel does not fit the {pair_text(size, 'x')} input: "
                f"{axis} (h + 2p - k) // s + 1 = ({n} + 2*{p} - {k}) // {s} + 1 = {out}, needs >= 1"
            )
    return (outputs[0], outputs[1])


def require_images(where: str, argument: str, x: object, channels: int | None) -> Array:
    """``x`` if it is a float32/float64 ``(batch, channels, height, width)`` array; else ShapeError."""
    is_images = isinstance(x, np.ndarray) and x.dtype in FLOAT_DTYPES and x.ndim == 4
    if isinstance(x, np.ndarray) and is_images and (channels is None or x.shape[1] == channels):
        return x
    wanted = "channels" if channels is None else str(channels)
    raise ShapeError(
        f"{where}: argument '{argument}' expected float[batch, {wanted}, height, width], got {describe(x)}"
    )


def batch_last(x: Array) -> Array:
    """``(batch, channels, h, w)`` -> the ``(channels, h, w, batch)`` view of the same memory."""
    return x.transpose(1, 2, 3, 0)


def batch_first(x: Array) -> Array:
    """``(channels, h, w, batch)`` -> the ``(batch, channels, h, w)`` view of the same memory: what layers hand out."""
    return x.transpose(3, 0, 1, 2)


def laid_out(x: Array) -> Array:
    """``x`` ``(batch, channels, h, w)`` as a contiguous ``(channels, h, w, batch)`` array: a view of a layer's
    output, a copy of anything else (an image batch straight from the data, say)."""
    return np.ascontiguousarray(batch_last(x))


def padded(x: Array, padding: Pair, *, fill: float = 0) -> Array:
    """``(channels, h + 2 ph, w + 2 pw, batch)``: ``x`` ``(batch, channels, h, w)`` surrounded by ``fill``."""
    ph, pw = padding
    if ph == 0 and pw == 0:
        return laid_out(x)
    source = batch_last(x)
    channels, height, width, batch = source.shape
    result = np.full((channels, height + 2 * ph, width + 2 * pw, batch), fill, dtype=x.dtype)
    result[:, ph : ph + height, pw : pw + width] = source
    return result


def padded_zeros(shape: tuple[int, ...], padding: Pair, dtype: Any) -> Array:
    """Zeros ``(channels, h + 2 ph, w + 2 pw, batch)``: room for the gradient of a ``(batch, channels, h, w)`` batch."""
    batch, channels, height, width = shape
    return np.zeros((channels, height + 2 * padding[0], width + 2 * padding[1], batch), dtype=dtype)


def unpadded(result: Array, padding: Pair) -> Array:
    """``(batch, channels, h, w)``: the view of ``(channels, h + 2 ph, w + 2 pw, batch)`` inside its border."""
    ph, pw = padding
    return batch_first(result[:, ph : result.shape[1] - ph, pw : result.shape[2] - pw])


def offsets(kernel: Pair, stride: Pair, out: Pair) -> list[tuple[int, int, tuple[slice, slice]]]:
    """For each kernel offset ``(i, j)``: the slices of a padded image that the offset visits, ``(out_h, out_w)``."""
    (kh, kw), (sh, sw), (oh, ow) = kernel, stride, out
    return [
        (i, j, (slice(i, i + sh * (oh - 1) + 1, sh), slice(j, j + sw * (ow - 1) + 1, sw)))
        for i in range(kh)
        for j in range(kw)
    ]


ROW_BLOCK_BYTES: Final = 512 * 1024  # the window matrix of one block of output rows: well within a core's L2


def rows_per_block(height: int, row_bytes: int, *, multiple: int = 1) -> int:
    """How many output rows one block of window columns holds: as many as fit ROW_BLOCK_BYTES, at least one,
    rounded down to a ``multiple`` (at least one ``multiple``)."""
    rows = max(1, min(height, ROW_BLOCK_BYTES // max(1, row_bytes)))
    return max(multiple, rows - rows % multiple)


def windows(source: Array, kernel: Pair, stride: Pair, out: Pair) -> Array:
    """A read-only view ``(channels, kh, kw, out_h, out_w, batch)`` of every window of ``source`` (padded, batch
    last): ``view[c, i, j, p, q, b] = source[c, p sh + i, q sw + j, b]``. Copying rows of it makes im2col's
    columns, with numpy's loops over whole rows of batch values."""
    (sh, sw), (channels, height, width, batch) = stride, source.strides
    view: Array = np.lib.stride_tricks.as_strided(
        source,
        shape=(source.shape[0], *kernel, *out, source.shape[3]),
        strides=(channels, height, width, sh * height, sw * width, batch),
        writeable=False,
    )
    return view


def window_blocks(
    source: Array, kernel: Pair, stride: Pair, out: Pair, *, ones: bool, multiple: int = 1
) -> Iterator[tuple[int, int, Array]]:
    """``(first, rows, cols)`` for each block of output rows: ``cols`` ``(channels * kh * kw [+ 1], rows * out_w *
    batch)`` holds the windows of rows ``first .. first + rows - 1`` of ``source`` (padded, batch last), and a
    last row of ones with ``ones`` (what multiplies a bias); every block's rows but the last are a ``multiple``.
    One buffer serves every block: a block's columns are overwritten when the next one is asked for."""
    channels, batch = source.shape[0], source.shape[3]
    size = channels * kernel[0] * kernel[1]
    height = size + int(ones)
    rows = rows_per_block(out[0], height * out[1] * batch * source.itemsize, multiple=multiple)
    buffer = np.empty((height, rows * out[1] * batch), dtype=source.dtype)
    if ones:
        buffer[size] = 1
    every = windows(source, kernel, stride, out)
    for first in range(0, out[0], rows):
        count = min(rows, out[0] - first)
        cols = buffer[:, : count * out[1] * batch]
        cols[:size].reshape(channels, *kernel, count, out[1], batch)[...] = every[:, :, :, first : first + count]
        yield first, count, cols


def add_window_rows(target: Array, kernel: Pair, stride: Pair, first: int, blocks: Array) -> None:
    """The adjoint of copying rows ``first ...`` of :func:`windows`: add ``blocks`` ``(channels, kh, kw, rows, out_w,
    batch)`` into ``target`` ``(channels, h + 2 ph, w + 2 pw, batch)`` where those windows read them."""
    (kh, kw), (sh, sw) = kernel, stride
    count, width = blocks.shape[3], blocks.shape[4]
    for i in range(kh):
        rows = slice(first * sh + i, (first + count - 1) * sh + i + 1, sh)
        for j in range(kw):
            target[:, rows, j : j + (width - 1) * sw + 1 : sw] += blocks[:, i, j]


def col2im(cols: Array, shape: tuple[int, ...], kernel: Pair, stride: Pair, padding: Pair, out: Pair) -> Array:
    """The adjoint of the whole window matrix (im2col): ``(batch, channels, h, w)`` summing each column of ``cols``
    ``(channels * kh * kw, out_h * out_w * batch)`` back where its window lies, padding cut away."""
    batch, channels = shape[:2]
    result = padded_zeros(shape, padding, cols.dtype)
    add_window_rows(result, kernel, stride, 0, cols.reshape(channels, *kernel, out[0], out[1], batch))
    return unpadded(result, padding)
