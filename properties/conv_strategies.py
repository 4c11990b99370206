"""Hypothesis strategies for convolution and pooling: window settings first, then image sizes the window fits.

Every size is drawn so that the output-size arithmetic ``(h + 2p - k) // s + 1`` gives at least one
position (dependent draws with ``st.composite``, never ``.filter``); arrays come from a drawn seed.
"""

import dataclasses
from typing import Any

import numpy as np
from hypothesis import strategies as st

from verified_nn.layers import AvgPool2D, Conv2D, MaxPool2D, Pool2D

Array = np.ndarray[Any, Any]
Pair = tuple[int, int]

seeds = st.integers(0, 2**32 - 1)


@dataclasses.dataclass(frozen=True)
class ConvProblem:
    """A convolution with an input batch and an upstream gradient of its output's shape, float64."""

    layer: Conv2D[Any, Any]
    x: Array  # (batch, in, h, w)
    dy: Array  # (batch, out, out_h, out_w)
    rng: np.random.Generator  # for further draws that depend on the example


@dataclasses.dataclass(frozen=True)
class PoolProblem:
    """A pooling layer with an input batch and an upstream gradient, float64."""

    layer: Pool2D[Any]  # MaxPool2D or AvgPool2D
    x: Array
    dy: Array
    rng: np.random.Generator


def _size(draw: st.DrawFn, kernel: int, padding: int, *, extra: int) -> int:
    """An image size at least as large as the padded kernel needs: ``size + 2 padding >= kernel``."""
    return draw(st.integers(max(1, kernel - 2 * padding), max(1, kernel - 2 * padding) + extra))


def _out(size: int, kernel: int, stride: int, padding: int) -> int:
    return (size + 2 * padding - kernel) // stride + 1


@st.composite
def conv_problems(draw: st.DrawFn, *, max_channels: int = 3, max_kernel: int = 4, extra: int = 6) -> ConvProblem:
    """Convolutions of any kernel (non-square too), stride and padding, with inputs the kernel fits."""
    kernel = (draw(st.integers(1, max_kernel)), draw(st.integers(1, max_kernel)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    height = _size(draw, kernel[0], padding[0], extra=extra)
    width = _size(draw, kernel[1], padding[1], extra=extra)
    batch, channels, out = (
        draw(st.integers(1, 3)),
        draw(st.integers(1, max_channels)),
        draw(st.integers(1, max_channels)),
    )
    rng = np.random.default_rng(draw(seeds))
    layer: Conv2D[Any, Any] = Conv2D(
        weights=rng.standard_normal((out, channels, *kernel)),
        bias=rng.standard_normal(out),
        stride=stride,
        padding=padding,
    )
    outputs = (_out(height, kernel[0], stride[0], padding[0]), _out(width, kernel[1], stride[1], padding[1]))
    return ConvProblem(
        layer=layer,
        x=rng.standard_normal((batch, channels, height, width)),
        dy=rng.standard_normal((batch, out, *outputs)),
        rng=rng,
    )


@st.composite
def pool_problems(draw: st.DrawFn, *, kind: str | None = None, distinct: bool = False) -> PoolProblem:
    """Max or average pooling with any kernel, stride and padding (less than the kernel), and inputs it fits.

    ``distinct``: inputs are a random permutation of ``0, 1, ...`` scaled, so no window has a tie and
    every gap between values is at least 0.01 (finite differences then never cross a change of maximum).
    """
    cls = {"max": MaxPool2D, "avg": AvgPool2D}[kind] if kind else draw(st.sampled_from([MaxPool2D, AvgPool2D]))
    kernel = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    stride = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    padding = (draw(st.integers(0, kernel[0] - 1)), draw(st.integers(0, kernel[1] - 1)))
    height = _size(draw, kernel[0], padding[0], extra=5)
    width = _size(draw, kernel[1], padding[1], extra=5)
    batch, channels = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(seeds))
    shape = (batch, channels, height, width)
    ordered = rng.permutation(int(np.prod(shape))).reshape(shape) * 0.01 - 1.0
    x = ordered if distinct else rng.standard_normal(shape)
    layer = cls(kernel, stride=stride, padding=padding)
    outputs = (_out(height, kernel[0], stride[0], padding[0]), _out(width, kernel[1], stride[1], padding[1]))
    return PoolProblem(layer=layer, x=x, dy=rng.standard_normal((batch, channels, *outputs)), rng=rng)
