"""Flattening: 101,770 numbers in the order W1 (row-major), b1, W2 (row-major), b2, and its inverse."""

import numpy as np

from verified_nn.network import MLP, PARAMETER_COUNT, flatten, unflatten


def test_parameter_count_is_101770() -> None:
    assert PARAMETER_COUNT == 128 * 784 + 128 + 10 * 128 + 10 == 101_770


def test_flatten_lays_out_blocks_in_order_row_major(mlp: MLP) -> None:
    vector = flatten(mlp)
    assert vector.shape == (PARAMETER_COUNT,)
    assert vector[0] == mlp.layer1.weights[0, 0] and vector[1] == mlp.layer1.weights[0, 1]
    assert vector[784] == mlp.layer1.weights[1, 0]
    np.testing.assert_array_equal(vector[100352:100480], mlp.layer1.bias)
    assert vector[100480 + 128] == mlp.layer2.weights[1, 0]
    np.testing.assert_array_equal(vector[-10:], mlp.layer2.bias)


def test_unflatten_inverts_flatten_both_ways(mlp: MLP, rng: np.random.Generator) -> None:
    assert np.array_equal(flatten(unflatten(flatten(mlp))), flatten(mlp))
    vector = rng.standard_normal(PARAMETER_COUNT)
    assert np.array_equal(flatten(unflatten(vector)), vector)


def test_unflattened_network_does_not_follow_later_writes_to_the_vector(rng: np.random.Generator) -> None:
    vector = rng.standard_normal(PARAMETER_COUNT)
    mlp = unflatten(vector)
    vector[:] = 0
    assert mlp.layer1.weights[0, 0] != 0
