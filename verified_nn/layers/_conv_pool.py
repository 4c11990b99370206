"""A convolution, 2x2 max pooling and ReLU in one pass: how backprop runs the blocks of the ``cnn`` builder.

The values of the three layers one after the other, to the last bit, and their gradients
(``tests/test_conv_pool.py``); where the products are taken in phase order (see ``_phased``), the products
have other shapes than the convolution's own, and a BLAS kernel may round them differently (OpenBLAS's Haswell
kernel does; its SkylakeX kernel does not): there the values agree up to rounding. The convolution's products
are taken block by block of pooled rows, each block's columns ordered by the place in the 2x2 window they fill
(its phase), so that each phase comes out as one contiguous run per channel: the maximum, the winner codes
and, backward, the routing of ``dy`` run over contiguous memory instead of strided views, and the
convolution's output, the largest array of such a network, is never written out whole. ReLU after the maximum
is folded into the winner code, where ``4`` means that no input gets a gradient (``relu(max(x)) =
max(relu(x))``, and ReLU's derivative is 0 where the maximum is not positive). Backward, the first layer of a
network (which forms no input gradient) multiplies the routed phases by the same blocks, so its sums run in
phase order and differ from the three layers' in rounding only; below it, ``dy`` is routed to the
convolution's output and the convolution's backward pass takes over, to the last bit.
"""

from collections.abc import Iterator
from typing import Any

import numpy as np

from . import _conv_blocks as blocked
from ._activation import ReLU
from ._conv import Conv2D
from ._layer import Array, Layer
from ._pool import MaxPool2D, largest_of, route
from ._window import Pair, batch_first, batch_last, offsets, rows_per_block, windows

_WINDOW = ((2, 2), (2, 2), (0, 0))  # the pooling fused: 2x2 windows side by side, no padding


def fusable(layers: tuple[Layer[Any, Any], ...]) -> bool:
    """Whether ``layers`` are exactly a ``Conv2D``, a 2x2 ``MaxPool2D`` with windows side by side and a ``ReLU``
    (exact types: a subclass may compute something else)."""
    return (
        len(layers) == 3
        and type(layers[0]) is Conv2D
        and type(layers[1]) is MaxPool2D
        and layers[1].window() == _WINDOW
        and type(layers[2]) is ReLU
    )


def forward(conv: Conv2D[Any, Any], x: Array) -> tuple[Array, Any]:
    """``relu(maxpool(conv(x)))`` ``(batch, out, oh // 2, ow // 2)`` and the cache for :func:`backward`."""
    source, shape, out = conv.prepared(x)
    if out[0] < 2 or out[1] < 2:
        MaxPool2D(2).output_shape((1, *out))  # raises ShapeError naming the sizes
    half = (out[0] // 2, out[1] // 2)
    count, batch = conv.weights.shape[0], shape[0]
    extended = conv.extended()
    pooled = np.empty((count, *half, batch), dtype=extended.dtype)
    winners = np.empty((count, *half, batch), dtype=np.uint8)
    products: Array | None = None
    for first, rows, cols in _blocks(conv, source, out):
        if products is None:  # reused from block to block: the first block is the largest
            products = np.empty((count, cols.shape[1]), dtype=extended.dtype)
        values = products[:, : cols.shape[1]]
        np.matmul(extended, cols, out=values)
        best, winner = largest_of(_candidates(conv, values, rows, out[1], batch))
        # ReLU: code 4, no gradient, where the maximum is not positive (arithmetic: masked writes are slow)
        np.maximum(winner, np.less_equal(best, 0).view(np.uint8) * np.uint8(4), out=winner)
        done = slice(first, first + rows)
        np.copyto(winners[:, done].reshape(winner.shape), winner)
        np.maximum(best, 0, out=pooled[:, done].reshape(best.shape))
    return batch_first(pooled), ((source, shape, out), winners)


def backward(conv: Conv2D[Any, Any], dy: Array, cache: Any, *, inputs: bool) -> tuple[Array | None, Any]:
    """``(dx, conv's gradients)`` from ``dy`` ``(batch, out, oh // 2, ow // 2)``; ``dx`` is None unless ``inputs``.

    Without ``dx`` (the network's first layer) each block routes ``dy`` to its four phases and multiplies them
    by the block's windows, in the forward pass's order; with it, ``dy`` is routed to the convolution's
    output and the convolution's backward pass takes over.
    """
    conv_cache, winners = cache
    source, _, out = conv_cache
    upstream = batch_last(dy)  # (out, oh // 2, ow // 2, batch)
    count, half = conv.weights.shape[0], (out[0] // 2, out[1] // 2)
    if inputs:
        return _routed(conv, upstream, cache, inputs=True)
    if not _phased(conv):
        return _routed(conv, upstream, cache, inputs=False)
    size = conv.weights[0].size
    gradients = np.zeros((size + 1, count), dtype=upstream.dtype)  # [dW2 | db]^T, as Conv2D.gradients
    routed: Array | None = None
    for first, rows, cols in _phase_blocks(conv, source, half):
        if routed is None:
            routed = np.empty((count, cols.shape[1]), dtype=upstream.dtype)
        phases = routed[:, : cols.shape[1]].reshape(count, 4, -1)
        above = upstream[:, first : first + rows].reshape(count, -1)
        codes = winners[:, first : first + rows].reshape(count, -1)
        for phase in range(4):
            np.multiply(above, codes == phase, out=phases[:, phase])
        gradients += cols @ routed[:, : cols.shape[1]].T
    return None, conv.holding(gradients[:size].T.reshape(conv.weights.shape), gradients[size])


def _routed(conv: Conv2D[Any, Any], upstream: Array, cache: Any, *, inputs: bool) -> tuple[Array | None, Any]:
    """``dy`` routed to the convolution's output through the winner codes, then the convolution's backward."""
    conv_cache, winners = cache
    _, shape, out = conv_cache
    half = (out[0] // 2, out[1] // 2)
    d_outputs = np.empty((conv.weights.shape[0], *out, shape[0]), dtype=upstream.dtype)
    if out[0] % 2 or out[1] % 2:  # the last row or column lies in no window
        d_outputs[:, 2 * half[0] :] = 0
        d_outputs[:, :, 2 * half[1] :] = 0
    route(upstream, winners, offsets((2, 2), (2, 2), half), d_outputs, add=False)
    return conv.gradients(batch_first(d_outputs), conv_cache, inputs=inputs)


def _phased(conv: Conv2D[Any, Any]) -> bool:
    """Whether the products are taken in phase order: when the convolution's output is larger than its windows
    (fewer inputs per output than output channels), where pooling contiguous runs repays the extra copies."""
    return bool(conv.weights[0].size + 1 < conv.weights.shape[0])


def _blocks(conv: Conv2D[Any, Any], source: Array, out: Pair) -> Iterator[tuple[int, int, Array]]:
    """``(first pooled row, pooled rows, [cols; 1])``: phase blocks, or the convolution's own blocks (of an even
    number of rows) with their pooled rows."""
    if _phased(conv):
        yield from _phase_blocks(conv, source, (out[0] // 2, out[1] // 2))
        return
    kernel, stride, _ = conv.window()
    for first, rows, cols in blocked.blocks(source, kernel, stride, out):
        yield first // 2, rows // 2, cols  # an odd last row lies in no window


def _candidates(conv: Conv2D[Any, Any], values: Array, rows: int, width: int, batch: int) -> list[Array]:
    """The four inputs of each 2x2 window of ``values``, the products of one block (``rows`` pooled rows of a
    convolution output ``width`` wide), each ``(out, ...)``."""
    count = values.shape[0]
    if _phased(conv):
        phases = values.reshape(count, 4, -1)  # (out, phase, rows * ow/2 * batch): each a contiguous run
        return [phases[:, phase] for phase in range(4)]
    grid = values.reshape(count, -1, width, batch)  # (out, conv rows, ow, batch)
    return [grid[:, a : 2 * rows : 2, b : 2 * (width // 2) : 2] for a in (0, 1) for b in (0, 1)]


def _phase_blocks(conv: Conv2D[Any, Any], source: Array, half: Pair) -> Iterator[tuple[int, int, Array]]:
    """``(first, rows, [cols; 1])`` for each block of pooled rows ``first .. first + rows - 1``: the windows of
    the convolution outputs they pool, in the column order ``(phase, row, column, sample)`` where ``phase``
    is the place ``(a, b)`` in the 2x2 window (row-major), so that the product lays each phase out as one
    contiguous run per channel."""
    kernel, (sh, sw), _ = conv.window()
    channels, batch = source.shape[0], source.shape[3]
    size = channels * kernel[0] * kernel[1]
    rows = rows_per_block(half[0], (size + 1) * 4 * half[1] * batch * source.itemsize)
    buffer = np.empty((size + 1, 4 * rows * half[1] * batch), dtype=source.dtype)
    buffer[size] = 1  # the row of ones that multiplies the bias
    phases = [windows(source[:, a * sh :, b * sw :], kernel, (2 * sh, 2 * sw), half) for a in (0, 1) for b in (0, 1)]
    for first in range(0, half[0], rows):
        count = min(rows, half[0] - first)
        cols = buffer[:, : 4 * count * half[1] * batch]
        laid = cols[:size].reshape(channels, *kernel, 4, count, half[1], batch)
        for phase, view in enumerate(phases):
            laid[:, :, :, phase] = view[:, :, :, first : first + count]
        yield first, count, cols
