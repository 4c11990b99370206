"""Flattening: per layer, weights row-major then bias; 101,770 numbers for the default network; the inverse."""

import numpy as np
import pytest

from verified_nn.core import ShapeError
from verified_nn.network import DefaultNetwork, flatten, mlp, parameter_count, unflatten


def test_the_default_network_has_101770_parameters(network: DefaultNetwork) -> None:
    assert parameter_count(network) == 128 * 784 + 128 + 10 * 128 + 10 == 101_770


def test_flatten_lays_out_blocks_in_order_row_major(network: DefaultNetwork) -> None:
    w1, b1, w2, b2 = network.parameters()
    vector = flatten(network)
    assert vector.shape == (101_770,)
    assert vector[0] == w1[0, 0] and vector[1] == w1[0, 1] and vector[784] == w1[1, 0]
    np.testing.assert_array_equal(vector[100352:100480], b1)
    assert vector[100480 + 128] == w2[1, 0]
    np.testing.assert_array_equal(vector[-10:], b2)


def test_flatten_orders_any_depth_layer_by_layer(rng: np.random.Generator) -> None:
    network = mlp((3, 4, 5, 2), rng=rng, activation="tanh", dtype=np.float64)
    expected = np.concatenate([block.ravel() for block in network.parameters()])
    np.testing.assert_array_equal(flatten(network), expected)
    assert [block.shape for block in network.parameters()] == [(4, 3), (4,), (5, 4), (5,), (2, 5), (2,)]


def test_unflatten_inverts_flatten_both_ways(network: DefaultNetwork, rng: np.random.Generator) -> None:
    assert np.array_equal(flatten(unflatten(flatten(network), like=network)), flatten(network))
    vector = rng.standard_normal(101_770)
    assert np.array_equal(flatten(unflatten(vector, like=network)), vector)


def test_unflattened_network_does_not_follow_later_writes_to_the_vector(
    network: DefaultNetwork, rng: np.random.Generator
) -> None:
    vector = rng.standard_normal(101_770)
    rebuilt = unflatten(vector, like=network)
    vector[:] = 0
    assert rebuilt.parameters()[0][0, 0] != 0


def test_unflatten_refuses_a_vector_of_another_length(network: DefaultNetwork) -> None:
    with pytest.raises(ShapeError, match=r"unflatten: expected shape \(101770\), got \(101769,\)"):
        unflatten(np.zeros(101_769), like=network)


def test_unflatten_refuses_an_integer_vector_instead_of_changing_the_dtype(network: DefaultNetwork) -> None:
    with pytest.raises(ShapeError, match=r"unflatten: expected a float32 or float64 vector, got int64"):
        unflatten(np.zeros(101_770, dtype=np.int64), like=network)  # type: ignore[shape]
