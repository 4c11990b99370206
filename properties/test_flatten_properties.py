"""Flattening: exactly 101,770 numbers in the documented order, and unflatten is its inverse both ways
(Lean: flatten_unflatten_left_inverse and unflatten_flatten_right_inverse, four sorries there)."""

from typing import Any

import numpy as np
from hypothesis import given
from strategies import networks, seeds

from verified_nn.network import MLP, PARAMETER_COUNT, as_parameter_vector, flatten, parameters, unflatten

Array = np.ndarray[Any, Any]


@given(networks())
def test_unflatten_after_flatten_is_the_identity(mlp: MLP) -> None:
    """unflatten(flatten(net)) has exactly net's parameters, dtype and activation."""
    back = unflatten(flatten(mlp), activation=mlp.activation)
    for original, restored in zip(parameters(mlp), parameters(back), strict=True):
        assert restored.dtype == original.dtype
        np.testing.assert_array_equal(restored, original)


@given(seeds)
def test_flatten_after_unflatten_is_the_identity(seed: int) -> None:
    """flatten(unflatten(v)) = v for any vector of 101,770 numbers."""
    vector = as_parameter_vector(np.random.default_rng(seed).standard_normal(PARAMETER_COUNT))
    np.testing.assert_array_equal(flatten(unflatten(vector)), vector)


@given(networks())
def test_flatten_lays_out_w1_b1_w2_b2_row_major(mlp: MLP) -> None:
    """The vector is W1 row by row, then b1, W2 row by row, then b2: 101,770 numbers."""
    vector = flatten(mlp)
    assert vector.shape == (101_770,)
    expected = np.concatenate([np.asarray(block).reshape(-1, order="C") for block in parameters(mlp)])
    np.testing.assert_array_equal(vector, expected)
