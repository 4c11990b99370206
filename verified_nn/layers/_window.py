"""Sliding windows over image batches: the output-size arithmetic, im2col, and its adjoint col2im.

An image batch is ``(batch, channels, height, width)``. A ``kh x kw`` window moved by ``stride``
``(sh, sw)`` over the image zero-padded by ``padding`` ``(ph, pw)`` on every side stops at
``out = (size + 2 p - k) // s + 1`` positions along each axis.

Inside the layers, arrays are laid out channels first, ``(channels, batch, height, width)`` in memory,
and handed out as transposed views of shape ``(batch, channels, height, width)``: then the matrix that
im2col builds, ``(channels * kh * kw, batch * out_h * out_w)``, and the product with the weights
``(out_channels, channels * kh * kw)`` need no further transposition (``benchmarks/cnn.py``).
"""

from collections.abc import Callable
from typing import Any, TypeAlias, TypeVar

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


def channels_first(x: Array) -> Array:
    """``(batch, channels, h, w)`` -> the ``(channels, batch, h, w)`` view of the same memory."""
    return x.transpose(1, 0, 2, 3)


def padded(x: Array, padding: Pair, *, fill: float = 0.0) -> Array:
    """``(channels, batch, h + 2 ph, w + 2 pw)``: ``x`` ``(batch, channels, h, w)`` surrounded by ``fill``."""
    ph, pw = padding
    source = channels_first(x)
    if ph == 0 and pw == 0:
        return source
    channels, batch, height, width = source.shape
    result = np.full((channels, batch, height + 2 * ph, width + 2 * pw), fill, dtype=x.dtype)
    result[:, :, ph : ph + height, pw : pw + width] = source
    return result


def padded_zeros(shape: tuple[int, ...], padding: Pair, dtype: Any) -> Array:
    """Zeros ``(channels, batch, h + 2 ph, w + 2 pw)``: room for the gradient of a ``(batch, channels, h, w)`` batch."""
    batch, channels, height, width = shape
    return np.zeros((channels, batch, height + 2 * padding[0], width + 2 * padding[1]), dtype=dtype)


def unpadded(result: Array, padding: Pair) -> Array:
    """``(batch, channels, h, w)``: the view of ``(channels, batch, h + 2 ph, w + 2 pw)`` inside its border."""
    ph, pw = padding
    return channels_first(result[:, :, ph : result.shape[2] - ph, pw : result.shape[3] - pw])


def offsets(kernel: Pair, stride: Pair, out: Pair) -> list[tuple[int, int, tuple[slice, slice]]]:
    """For each kernel offset ``(i, j)``: the slices of a padded image that the offset visits, ``(out_h, out_w)``."""
    (kh, kw), (sh, sw), (oh, ow) = kernel, stride, out
    return [
        (i, j, (slice(i, i + sh * (oh - 1) + 1, sh), slice(j, j + sw * (ow - 1) + 1, sw)))
        for i in range(kh)
        for j in range(kw)
    ]


def _span(size: int, offset: int, stride: int, pad: int, out: int) -> tuple[int, int]:
    """The output positions ``[first, last)`` whose window, at kernel ``offset``, reads the image, not padding."""
    # 0 <= p * stride + offset - pad < size, for 0 <= p < out
    first = max(0, -((offset - pad) // stride))
    last = min(out, (size - 1 + pad - offset) // stride + 1)
    return first, max(first, last)


def im2col(x: Array, kernel: Pair, stride: Pair, padding: Pair, out: Pair) -> Array:
    """``(channels * kh * kw, batch * out_h * out_w)``: every window of ``x`` ``(batch, channels, h, w)`` as a column.

    ``cols[(c, i, j), (b, p, q)] = x_padded[b, c, p sh + i, q sw + j]``: row order matches weights
    ``(out_channels, channels, kh, kw)`` reshaped to ``(out_channels, channels * kh * kw)``. Built by one
    strided copy per kernel offset ``(i, j)`` straight from ``x``; where a window reaches into the
    padding, only those border cells are set to zero (no padded copy of ``x`` is made).
    """
    (kh, kw), (sh, sw), (ph, pw), (oh, ow) = kernel, stride, padding, out
    source = channels_first(x)  # (channels, batch, h, w)
    channels, batch, height, width = source.shape
    cols = np.empty((channels, kh, kw, batch, oh, ow), dtype=x.dtype)
    for i in range(kh):
        p0, p1 = _span(height, i, sh, ph, oh)
        for j in range(kw):
            q0, q1 = _span(width, j, sw, pw, ow)
            block = cols[:, i, j]  # (channels, batch, oh, ow)
            block[:, :, :p0] = 0
            block[:, :, p1:] = 0
            block[:, :, p0:p1, :q0] = 0
            block[:, :, p0:p1, q1:] = 0
            if p1 > p0 and q1 > q0:
                top, left = p0 * sh + i - ph, q0 * sw + j - pw
                rows = slice(top, top + (p1 - p0 - 1) * sh + 1, sh)
                columns = slice(left, left + (q1 - q0 - 1) * sw + 1, sw)
                block[:, :, p0:p1, q0:q1] = source[:, :, rows, columns]
    return cols.reshape(channels * kh * kw, batch * oh * ow)


def col2im(cols: Array, shape: tuple[int, ...], kernel: Pair, stride: Pair, padding: Pair, out: Pair) -> Array:
    """The adjoint of :func:`im2col`: ``(batch, channels, h, w)`` summing each column back where it came from.

    ``dx_padded[b, c, p sh + i, q sw + j] += cols[(c, i, j), (b, p, q)]``, one vectorised addition per
    kernel offset ``(i, j)``; the padding is then cut away. The result is a channels-first view.
    """
    batch, channels = shape[:2]
    blocks = cols.reshape(channels, kernel[0], kernel[1], batch, out[0], out[1])
    result = padded_zeros(shape, padding, cols.dtype)
    for i, j, (rows, columns) in offsets(kernel, stride, out):
        result[:, :, rows, columns] += blocks[:, i, j]  # (channels, batch, oh, ow)
    return unpadded(result, padding)
