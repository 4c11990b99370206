"""Parameters are frozen values: layers and networks refuse writes; construction validates shapes."""

import dataclasses

import numpy as np
import pytest

from verified_nn.core import RELU, InvalidArgumentError, ShapeError, leaky_relu_activation
from verified_nn.network import MLP, Dense, he_init


def test_parameter_arrays_are_read_only(mlp: MLP) -> None:
    with pytest.raises(ValueError, match="read-only"):
        mlp.layer1.weights[0, 0] = 1.0


def test_layers_and_networks_are_frozen(mlp: MLP) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        mlp.layer1 = mlp.layer2  # type: ignore[misc, assignment]


def test_building_a_layer_leaves_the_callers_array_writable() -> None:
    weights = np.zeros((2, 3))
    Dense(weights=weights, bias=np.zeros(2))
    weights[0, 0] = 1.0


def test_dense_rejects_mixed_dtypes() -> None:
    with pytest.raises(ShapeError, match="weights and bias must share a dtype, got float32 and float64"):
        Dense(weights=np.zeros((2, 3), np.float32), bias=np.zeros(2))


def test_mlp_rejects_layers_of_different_dtypes(mlp: MLP) -> None:
    with pytest.raises(ShapeError, match="both layers must share a dtype"):
        MLP(layer1=mlp.layer1, layer2=mlp.astype(np.float32).layer2)


def test_he_init_is_seeded_and_scaled(rng: np.random.Generator) -> None:
    a, b = he_init(np.random.default_rng(1)), he_init(np.random.default_rng(1))
    assert np.array_equal(a.layer1.weights, b.layer1.weights)
    big = he_init(rng, dtype=np.float64)
    assert big.layer1.weights.std() == pytest.approx(np.sqrt(2 / 784), rel=0.02)
    assert big.layer2.weights.std() == pytest.approx(np.sqrt(2 / 128), rel=0.1)
    assert not big.layer1.bias.any() and big.activation is RELU


def test_he_init_refuses_other_dtypes(rng: np.random.Generator) -> None:
    with pytest.raises(InvalidArgumentError, match="float32 or float64, got float16"):
        he_init(rng, dtype=np.float16)


def test_activation_is_pluggable(rng: np.random.Generator) -> None:
    leaky = he_init(rng, activation=leaky_relu_activation(0.1))
    assert leaky.activation.name == "leaky_relu(0.1)"


def test_predict_returns_the_argmax_class(mlp: MLP, batch: tuple[np.ndarray, np.ndarray]) -> None:
    images, _ = batch
    np.testing.assert_array_equal(mlp.predict(images), mlp.forward_batch(images).argmax(axis=1))
    np.testing.assert_allclose(mlp.forward(images[0]), mlp.forward_batch(images)[0], rtol=1e-12)
