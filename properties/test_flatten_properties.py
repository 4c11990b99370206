"""Flattening any network: as many numbers as it has parameters, in the documented order (per layer, weights
row-major then bias), and unflatten is its inverse both ways (Lean: flatten_unflatten_left_inverse and
unflatten_flatten_right_inverse, four sorries there)."""

from typing import Any

import numpy as np
from hypothesis import example, given
from strategies import DEFAULT, DEFAULT32, float_dtypes, networks, seeds

from verified_nn.layers import Dense
from verified_nn.network import Network, flatten, global_norm, parameter_count, parameter_names, unflatten

Array = np.ndarray[Any, Any]


@given(networks())
@example(DEFAULT.network)
@example(DEFAULT32.network)
def test_unflatten_after_flatten_is_the_identity(network: Network[Any, Any]) -> None:
    """unflatten(flatten(net), like=net) has exactly net's layers, parameters and dtype."""
    back = unflatten(flatten(network), like=network)
    assert [type(layer) for layer in back.layers] == [type(layer) for layer in network.layers]
    assert [layer.config() for layer in back.layers] == [layer.config() for layer in network.layers]
    for original, restored in zip(network.parameters(), back.parameters(), strict=True):
        assert restored.dtype == original.dtype and restored.shape == original.shape
        np.testing.assert_array_equal(restored, original)


@given(networks(), seeds, float_dtypes)
@example(DEFAULT.network, 0, np.dtype(np.float64))
def test_flatten_after_unflatten_is_the_identity(network: Network[Any, Any], seed: int, dtype: np.dtype[Any]) -> None:
    """flatten(unflatten(v, like=net)) = v, in v's dtype, for any vector of as many numbers as net has parameters."""
    vector = np.random.default_rng(seed).standard_normal(parameter_count(network)).astype(dtype)
    restored = flatten(unflatten(vector, like=network))
    assert restored.dtype == dtype
    np.testing.assert_array_equal(restored, vector)


@given(networks())
@example(DEFAULT.network)
def test_flatten_lays_out_each_layer_weights_row_major_then_bias(network: Network[Any, Any]) -> None:
    """The vector is, dense layer by dense layer, W row by row and then b; the names follow the same order
    (``{layer index}.weight``, ``{layer index}.bias``) and the count is the sum of out * in + out."""
    vector = flatten(network)
    expected: list[float] = []
    names: list[str] = []
    for index, layer in enumerate(network.layers):
        if isinstance(layer, Dense):
            out, inputs = layer.shape
            expected.extend(float(layer.weights[row, column]) for row in range(out) for column in range(inputs))
            expected.extend(float(value) for value in layer.bias)
            names += [f"{index}.weight", f"{index}.bias"]
    assert vector.shape == (len(expected),) == (parameter_count(network),)
    np.testing.assert_array_equal(vector, np.array(expected, dtype=network.dtype))
    assert list(parameter_names(network)) == names


@given(networks(), seeds)
def test_unflatten_copies_its_vector(network: Network[Any, Any], seed: int) -> None:
    """Writing to the vector after unflatten changes nothing in the network built from it."""
    vector = np.random.default_rng(seed).standard_normal(parameter_count(network))
    built = unflatten(vector, like=network)
    before = np.asarray(flatten(built)).copy()
    vector[:] = 0.0
    np.testing.assert_array_equal(flatten(built), before)


@given(networks())
@example(DEFAULT.network)
def test_the_global_norm_is_the_norm_of_the_flat_vector(network: Network[Any, Any]) -> None:
    """global_norm(tree) = ||flatten(tree)||_2 (to the precision of the network's dtype)."""
    norm = float(np.linalg.norm(np.asarray(flatten(network), dtype=np.float64)))
    tolerance = 1e-5 if network.dtype == np.float32 else 1e-12
    assert abs(global_norm(network) - norm) <= tolerance * norm
