"""The Reshape layer: rows of a fixed width to arrays of a given shape, checked both ways."""

from typing import Any, Literal

import numpy as np
import pytest

from verified_nn.core import Dim, InvalidArgumentError, ShapeError
from verified_nn.layers import Reshape, layer_config, layer_from_config


def test_reshape_turns_rows_into_images_and_backward_turns_them_back() -> None:
    layer: Reshape[Any] = Reshape((1, 28, 28))
    x = np.random.default_rng(0).random((3, 784))
    y, cache = layer.forward(x)
    assert y.shape == (3, 1, 28, 28) and np.shares_memory(x, y)
    np.testing.assert_array_equal(y[1, 0, 2], x[1, 56:84])
    dx, same = layer.backward(y, cache)
    np.testing.assert_array_equal(dx, x)
    assert same is layer


def test_the_shapes_are_known_to_the_network() -> None:
    layer: Reshape[Any] = Reshape([2, 3, 4])  # type: ignore[arg-type]  # a list from a model file is accepted
    assert layer.shape == (2, 3, 4) and layer.width == 24
    assert layer.input_shape() == (24,) and layer.output_shape((24,)) == (2, 3, 4)
    with pytest.raises(
        ShapeError, match=r"^Reshape\(24 -> 2x3x4\) takes rows of width 24, got inputs of shape \(25,\)$"
    ):
        layer.output_shape((25,))


def test_to_reads_the_sizes_from_dims() -> None:
    assert Reshape.to(Dim[Literal[1]](), Dim[Literal[28]](), Dim[Literal[28]]()).shape == (1, 28, 28)
    assert Reshape.to(Dim(4), Dim(5)).shape == (4, 5)
    assert Reshape.to(Dim(7)).shape == (7,)
    with pytest.raises(InvalidArgumentError, match=r"^Reshape: size must be a size >= 1 \(an int or a Dim\), got 0$"):
        Reshape.to(Dim(4), 0)  # type: ignore[call-overload]  # a caller without a type checker


def test_reshape_refuses_bad_shapes_and_inputs() -> None:
    with pytest.raises(InvalidArgumentError, match=r"^Reshape: shape must be a non-empty tuple of sizes, got \(\)$"):
        Reshape(())
    with pytest.raises(InvalidArgumentError, match=r"Reshape: shape\[1\] must be a size >= 1"):
        Reshape((1, 0))
    with pytest.raises(
        ShapeError, match=r"^Reshape.forward: argument 'x' expected float\[batch, 784\], got float64\[3,100\]$"
    ):
        Reshape((1, 28, 28)).forward(np.zeros((3, 100)))
    with pytest.raises(
        ShapeError, match=r"^Reshape.backward: argument 'dy' expected float\[batch, 1, 28, 28\], got float64\[3,784\]$"
    ):
        Reshape((1, 28, 28)).backward(np.zeros((3, 784)), None)  # type: ignore[arg-type]  # mypy (shape plugin) refuses it too


def test_reshape_settings_round_trip() -> None:
    assert layer_config(Reshape((1, 28, 28))) == {"kind": "reshape", "shape": [1, 28, 28]}
    assert layer_from_config({"kind": "reshape", "shape": [1, 28, 28]}, {}) == Reshape((1, 28, 28))
    assert repr(Reshape((1, 28, 28))) == "Reshape(784 -> 1x28x28)"
