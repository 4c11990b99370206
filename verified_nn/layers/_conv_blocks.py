"""A convolution's products, block by block of output rows: the output, the weight gradient, the input gradient.

With the windows of the padded input (im2col, batch last: ``_window.py``) as ``cols`` ``(in * kh * kw,
oh * ow * batch)`` and a row of ones below them, ``Y = [W2 | b] [cols; 1]`` and ``[dW2 | db]^T = [cols; 1]
dY^T``; the whole window matrix is never formed (for the ``cnn`` preset's second convolution it would be
14 MB: nine copies of the input, written out and read twice): each block of output rows holds windows
that fit in a core's cache (``rows_per_block``), copied into one reused buffer, multiplied, and
forgotten; the weight gradient copies them again. The input gradient is the convolution of ``dy`` with
the kernel turned by 180 degrees for stride 1, each block of its rows one product written in place; for
other strides ``col2im(W2^T dY)``, each block added where its windows came from.
"""

from collections.abc import Iterator

import numpy as np

from ._layer import Array
from ._window import Pair, add_window_rows, padded, padded_zeros, rows_per_block, window_blocks


def blocks(source: Array, kernel: Pair, stride: Pair, out: Pair) -> Iterator[tuple[int, int, Array]]:
    """``(first row, rows, [cols; 1])`` for each block of output rows (``window_blocks``): an even number of
    rows in every block but the last, so that 2x2 pooling can take them block by block (``_conv_pool.py``)
    from the same products, to the last bit."""
    return window_blocks(source, kernel, stride, out, ones=True, multiple=2)


def convolve(extended: Array, source: Array, kernel: Pair, stride: Pair, out: Pair) -> Array:
    """``[W2 | b] [cols; 1]`` as ``(out, oh, ow, batch)``, for ``source`` the padded input ``(in, hp, wp, batch)``."""
    count = extended.shape[0]
    result = np.empty((count, out[0], out[1], source.shape[3]), dtype=extended.dtype)
    for first, rows, cols in blocks(source, kernel, stride, out):
        np.matmul(extended, cols, out=result[:, first : first + rows].reshape(count, -1))
    return result


def weight_gradients(flat: Array, source: Array, kernel: Pair, stride: Pair, out: Pair) -> Array:
    """``[dW2 | db]^T`` ``(in * kh * kw + 1, out)`` from ``dY`` ``flat`` ``(out, oh * ow * batch)``: this order
    multiplies faster than ``dY [cols; 1]^T``, for these thin matrices."""
    width = out[1] * source.shape[3]  # columns per output row
    size = source.shape[0] * kernel[0] * kernel[1]
    gradients = np.zeros((size + 1, flat.shape[0]), dtype=flat.dtype)
    for first, rows, cols in blocks(source, kernel, stride, out):
        gradients += cols @ flat[:, first * width : (first + rows) * width].T
    return gradients


def turned_convolution(turned: Array, dy: Array, kernel: Pair, padding: Pair, size: Pair) -> Array:
    """A stride-1 input gradient ``(in, h, w, batch)``: ``dy`` ``(batch, out, h', w')`` padded by ``k - 1 - p`` and
    convolved with ``turned`` ``(in, out * kh * kw)``, the kernels turned by 180 degrees and channels swapped."""
    spread = (kernel[0] - 1 - padding[0], kernel[1] - 1 - padding[1])
    result = np.empty((turned.shape[0], *size, dy.shape[0]), dtype=turned.dtype)
    for first, rows, cols in window_blocks(padded(dy, spread), kernel, (1, 1), size, ones=False):
        np.matmul(turned, cols, out=result[:, first : first + rows].reshape(turned.shape[0], -1))
    return result


def scattered(
    transposed: Array, flat: Array, shape: tuple[int, ...], kernel: Pair, stride: Pair, padding: Pair, out: Pair
) -> Array:
    """``col2im(W2^T dY)``, padded ``(in, h + 2ph, w + 2pw, batch)``, for ``transposed`` ``W2^T`` ``(in * kh * kw,
    out)``: each block of ``W2^T dY`` added into the gradient where its windows lie."""
    batch, channels = shape[:2]
    result = padded_zeros(shape, padding, flat.dtype)
    width = out[1] * batch
    step = rows_per_block(out[0], transposed.shape[0] * width * flat.itemsize)
    for first in range(0, out[0], step):
        rows = min(step, out[0] - first)
        d_cols = transposed @ flat[:, first * width : (first + rows) * width]
        add_window_rows(result, kernel, stride, first, d_cols.reshape(channels, *kernel, rows, out[1], batch))
    return result
