"""A convolution, 2x2 max pooling and ReLU in one pass: how backprop runs the blocks of the ``cnn`` builder.

The same values and gradients as the three layers one after the other (``tests/test_conv_pool.py``
compares them bit for bit): each block of the convolution's output rows is pooled while it is still in
the core's cache, so the convolution's output, the largest array of such a network, is never written
out whole, and ReLU after the maximum is folded into the pooling's winner code, where ``4`` means that no
input gets a gradient (``relu(max(x)) = max(relu(x))``, and ReLU's derivative is 0 where the maximum is
not positive). Backward routes ``dy`` through those codes to the convolution's output and goes on as the
convolution does.
"""

from typing import Any

import numpy as np

from ._activation import ReLU
from ._conv import Conv2D
from ._layer import Array, Layer
from ._pool import MaxPool2D, largest, route
from ._window import batch_first, batch_last, offsets

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
    block: Array | None = None
    for first, rows, cols in conv.blocks(source, out):  # the convolution's own blocks: the same products
        if block is None:
            block = np.empty((count, rows, out[1], batch), dtype=extended.dtype)  # reused: rows is the largest
        values = block[:, :rows]
        np.matmul(extended, cols, out=values.reshape(count, -1))
        pairs = slice(first // 2, (first + rows) // 2)  # the pooled rows of this block (an odd last row: none)
        best, winner = largest(values, offsets((2, 2), (2, 2), (rows // 2, half[1])))
        np.copyto(winners[:, pairs], np.where(best > 0, winner, np.uint8(4)))
        np.maximum(best, 0, out=pooled[:, pairs])
    return batch_first(pooled), ((source, shape, out), winners)


def backward(conv: Conv2D[Any, Any], dy: Array, cache: Any, *, inputs: bool) -> tuple[Array | None, Any]:
    """``(dx, conv's gradients)`` from ``dy`` ``(batch, out, oh // 2, ow // 2)``; ``dx`` is None unless ``inputs``."""
    conv_cache, winners = cache
    _, shape, out = conv_cache
    upstream = batch_last(dy)  # (out, oh // 2, ow // 2, batch)
    d_outputs = np.empty((conv.weights.shape[0], *out, shape[0]), dtype=upstream.dtype)
    if out[0] % 2 or out[1] % 2:  # the last row or column lies in no window
        d_outputs[:, 2 * (out[0] // 2) :] = 0
        d_outputs[:, :, 2 * (out[1] // 2) :] = 0
    route(upstream, winners, offsets((2, 2), (2, 2), (out[0] // 2, out[1] // 2)), d_outputs, add=False)
    return conv.gradients(batch_first(d_outputs), conv_cache, inputs=inputs)
