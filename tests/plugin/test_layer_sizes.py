"""The plugin's layer arithmetic agrees with the layers themselves on literal sizes.

Each property draws a per-sample shape and a layer, asks ``_layer_sizes`` for the output shape and the
layer's own forward pass (on a batch of one) for the real one, and requires the same shape, or a conflict
exactly where the library refuses. Symbolic sizes are tested by example at the end.
"""

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import given, strategies as st

from verified_nn.core import ShapeError
from verified_nn.layers import AvgPool2D, Conv2D, Flatten, MaxPool2D, Reshape
from verified_nn.mypy_plugin import _layer_sizes as ls
from verified_nn.mypy_plugin._sizes import UNKNOWN, Known, Shape, ShapeConflictError, Symbol

maps = st.tuples(st.integers(1, 3), st.integers(1, 9), st.integers(1, 9))
pairs = st.tuples(st.integers(1, 4), st.integers(1, 4))


def k(*values: int) -> tuple[Known, ...]:
    return tuple(Known(v) for v in values)


def _library(run: Callable[[], tuple[np.ndarray[Any, Any], object]]) -> tuple[int, ...] | None:
    """The per-sample shape of a forward pass's output; None where the layer refuses the input."""
    try:
        return tuple(run()[0].shape[1:])
    except ShapeError:
        return None


def _plugin(run: Callable[[], Shape]) -> tuple[int, ...] | None:
    try:
        shape = run()
    except ShapeConflictError:
        return None
    assert all(isinstance(d, Known) for d in shape), shape
    return tuple(d.value for d in shape if isinstance(d, Known))


@given(maps, pairs, pairs, st.integers(0, 3), st.integers(1, 3))
def test_convolutions_agree_with_conv2d(
    image: tuple[int, int, int], kernel: tuple[int, int], stride: tuple[int, int], padding: int, out: int
) -> None:
    layer = Conv2D.init(out, image[0], kernel=kernel, stride=stride, padding=padding, rng=np.random.default_rng(0))
    window = ls.Window(kernel, stride, (padding, padding))
    assert _plugin(lambda: ls.convolve(k(*image), window, channels_out=Known(out), channels_in=Known(image[0]))) == (
        _library(lambda: layer.forward(np.zeros((1, *image))))
    )


@given(maps, pairs, st.one_of(st.none(), pairs), st.integers(0, 3), st.booleans())
def test_poolings_agree_with_max_and_average_pooling(
    image: tuple[int, int, int], kernel: tuple[int, int], stride: tuple[int, int] | None, padding: int, average: bool
) -> None:
    padding = min(padding, min(kernel) - 1)  # the poolings refuse a padding as large as the kernel
    layer = (AvgPool2D if average else MaxPool2D)(kernel, stride, padding)
    window = ls.Window(kernel, kernel if stride is None else stride, (padding, padding))
    assert _plugin(lambda: ls.pool(k(*image), window)) == _library(lambda: layer.forward(np.zeros((1, *image))))


@given(maps, st.integers(1, 300))
def test_flatten_agrees_with_a_declared_width(image: tuple[int, int, int], width: int) -> None:
    expected = _library(lambda: Flatten(width).forward(np.zeros((1, *image))))
    assert _plugin(lambda: ls.flatten(k(*image), Known(width))) == expected
    assert _plugin(lambda: ls.flatten(k(*image), UNKNOWN)) == (int(np.prod(image)),)


@given(st.integers(1, 60), maps)
def test_reshape_agrees_with_reshape(width: int, target: tuple[int, int, int]) -> None:
    expected = _library(lambda: Reshape(target).forward(np.zeros((1, width))))
    assert _plugin(lambda: ls.reshape_rows(k(width), k(*target))) == expected


def test_a_symbol_passes_a_same_window_and_is_unknown_after_any_other() -> None:
    h, w = Symbol("h", "H"), Symbol("w", "W")
    same = ls.Window((5, 3), (1, 1), (2, 1))
    assert ls.convolve((Known(1), h, w), same, channels_out=Known(8), channels_in=Known(1)) == (Known(8), h, w)
    halving = ls.Window((2, 2), (2, 2), (0, 0))
    assert ls.pool((Known(8), h, Known(6)), halving) == (Known(8), UNKNOWN, Known(3))
    unknown_kernel = ls.Window((None, None), (1, 1), (0, 0))
    assert ls.pool(k(8, 1, 1), unknown_kernel) == (Known(8), UNKNOWN, UNKNOWN)
    assert ls.flatten((Known(8), h, Known(2)), Known(100)) == (Known(100),)  # cannot be refused: h is unknown
