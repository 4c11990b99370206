"""The Flatten layer: rows from any per-sample shape, a declared width checked, and its backward."""

from typing import Any, Literal

import numpy as np
import pytest

from verified_nn.core import Dim, InvalidArgumentError, ShapeError
from verified_nn.layers import Flatten, layer_config, layer_from_config


def test_flatten_makes_each_sample_one_row_and_backward_undoes_it() -> None:
    x = np.random.default_rng(0).standard_normal((3, 2, 4, 5))
    y, cache = Flatten().forward(x)
    np.testing.assert_array_equal(y, x.reshape(3, 40))
    dx, same = Flatten().backward(y * 2, cache)
    np.testing.assert_array_equal(dx, x * 2)
    assert isinstance(same, Flatten)


def test_a_declared_width_is_checked_against_the_input() -> None:
    flatten: Flatten[Any] = Flatten.to(Dim[Literal[40]]())
    assert flatten.width == 40 and flatten.output_shape((2, 4, 5)) == (40,)
    with pytest.raises(
        ShapeError, match=r"^Flatten: declared width 40, but inputs of shape \(3, 4, 5\) flatten to 3 \* 4 \* 5 = 60$"
    ):
        flatten.output_shape((3, 4, 5))
    with pytest.raises(
        ShapeError, match=r"declared width 40, but inputs of shape \(2, 4, 4\) flatten to 2 \* 4 \* 4 = 32"
    ):
        flatten.forward(np.zeros((1, 2, 4, 4)))
    with pytest.raises(InvalidArgumentError, match=r"^Flatten: width must be a size >= 1 \(an int or a Dim\), got 0$"):
        Flatten(0)
    with pytest.raises(InvalidArgumentError, match=r"^Flatten: width must be a size >= 1 \(an int or a Dim\), got -3$"):
        Flatten.to(-3)  # type: ignore[arg-type]  # a caller without a type checker


def test_flatten_refuses_what_is_not_a_float_batch_with_sample_axes() -> None:
    with pytest.raises(
        ShapeError, match=r"^Flatten.forward: argument 'x' expected float\[batch, \.\.\.\], got float64\[5\]$"
    ):
        Flatten().forward(np.zeros(5))
    with pytest.raises(ShapeError, match=r"got int64\[2,3\]"):
        Flatten().forward(np.zeros((2, 3), dtype=np.int64))
    _, cache = Flatten().forward(np.zeros((2, 3, 4)))
    with pytest.raises(
        ShapeError, match=r"^Flatten.backward: argument 'dy' expected float\[2,12\], got float64\[2,11\]$"
    ):
        Flatten().backward(np.zeros((2, 11)), cache)


def test_flatten_settings_round_trip() -> None:
    assert layer_config(Flatten()) == {"kind": "flatten"}
    assert layer_from_config({"kind": "flatten", "width": 12}, {}) == Flatten(12)
    assert repr(Flatten()) == "Flatten()" and repr(Flatten(12)) == "Flatten(12)"
