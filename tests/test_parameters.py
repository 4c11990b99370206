"""Layers and networks are frozen values: arrays are read-only, construction validates shapes and dtypes."""

import dataclasses
import re
from typing import Any, Literal

import numpy as np
import pytest

from verified_nn.core import InvalidArgumentError, ShapeError
from verified_nn.layers import Dense, Dropout, LeakyReLU, Mode, ReLU, Tanh
from verified_nn.network import Batch, DefaultNetwork, Network, default_network, mlp


def test_parameter_arrays_are_read_only(network: DefaultNetwork) -> None:
    first = network.layers[0]
    assert isinstance(first, Dense)
    with pytest.raises(ValueError, match="read-only"):
        first.weights[0, 0] = 1.0


def test_layers_and_networks_are_frozen(network: DefaultNetwork) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        network.layers = ()  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        network.layers[0].weights = np.zeros((1, 1))  # type: ignore[attr-defined]


@pytest.mark.parametrize("order", ["C", "F"])
def test_a_layer_owns_its_arrays_whatever_the_callers_layout(order: Literal["C", "F"]) -> None:
    weights = np.zeros((2, 3), order=order)
    layer = Dense(weights=weights, bias=np.zeros(2))
    weights[0, 0] = 1.0  # the caller's array stays writable, and the layer does not follow it
    assert layer.weights[0, 0] == 0.0


def test_dense_rejects_mismatched_bias_and_mixed_dtypes() -> None:
    with pytest.raises(ShapeError, match=r"argument 'bias' expected float32\[2\] .*got float64\[2\]"):
        Dense(weights=np.zeros((2, 3), np.float32), bias=np.zeros(2))
    with pytest.raises(
        ShapeError,
        match=r"argument 'bias' expected float64\[2\] \(out=2 from weights: float64\[2,3\]\), got float64\[3\]",
    ):
        Dense(weights=np.zeros((2, 3)), bias=np.zeros(3))  # type: ignore[shape]
    with pytest.raises(ShapeError, match=r"argument 'weights' expected float\[out, in\], got int64\[2,3\]"):
        Dense(weights=np.zeros((2, 3), dtype=np.int64), bias=np.zeros(2))  # type: ignore[shape]


def test_a_network_refuses_layers_of_different_dtypes(network: DefaultNetwork) -> None:
    first, relu, last = network.layers
    with pytest.raises(ShapeError, match="all parameters must share a dtype"):
        Network((first, relu, last.astype(np.float32)))


def test_a_network_refuses_layers_whose_sizes_disagree(rng: np.random.Generator) -> None:
    with pytest.raises(ShapeError, match=r"Network: layer 2: Dense\(100 -> 10\) takes inputs of width 100, got 128"):
        Network((Dense.init(128, 784, rng=rng), ReLU(), Dense.init(10, 100, rng=rng)))  # type: ignore[shape]  # mypy (shape plugin) refuses it too
    with pytest.raises(ShapeError, match="expected a non-empty tuple of layers"):
        Network(())


def test_initialisation_is_seeded_and_scaled_per_activation(rng: np.random.Generator) -> None:
    a, b = default_network(np.random.default_rng(1)), default_network(np.random.default_rng(1))
    assert all(np.array_equal(x, y) for x, y in zip(a.parameters(), b.parameters(), strict=True))
    big = mlp((784, 400, 300, 10), rng=rng, dtype=np.float64)
    assert big.layers[0].parameters()[0].std() == pytest.approx(np.sqrt(2 / 784), rel=0.02)  # He
    assert not big.layers[0].parameters()[1].any()
    glorot = mlp((784, 400, 300, 10), rng=rng, activation="tanh", dtype=np.float64)
    assert glorot.layers[0].parameters()[0].std() == pytest.approx(np.sqrt(2 / (784 + 400)), rel=0.02)
    assert glorot.layers[2].parameters()[0].std() == pytest.approx(np.sqrt(2 / (400 + 300)), rel=0.02)


def test_the_default_network_draws_what_the_first_release_drew() -> None:
    # The first release's he_init drew W1 (128, 784) then W2 (10, 128) from N(0, 2 / fan_in).
    rng = np.random.default_rng(7)
    w1 = rng.normal(0.0, np.sqrt(2.0 / 784), size=(128, 784)).astype(np.float32)
    w2 = rng.normal(0.0, np.sqrt(2.0 / 128), size=(10, 128)).astype(np.float32)
    network = default_network(np.random.default_rng(7))
    np.testing.assert_array_equal(network.parameters()[0], w1)
    np.testing.assert_array_equal(network.parameters()[2], w2)


def test_construction_refuses_bad_arguments(rng: np.random.Generator) -> None:
    with pytest.raises(InvalidArgumentError, match="float32 or float64, got float16"):
        default_network(rng, dtype=np.float16)
    with pytest.raises(InvalidArgumentError, match="at least an input and an output size"):
        mlp((784,), rng=rng)
    with pytest.raises(InvalidArgumentError, match=r"leaky ReLU slope must lie in \[0, 1\), got 1.5"):
        LeakyReLU(1.5)
    with pytest.raises(InvalidArgumentError, match=r"Dropout: rate must lie in \[0, 1\), got 1"):
        Dropout(1)
    with pytest.raises(InvalidArgumentError, match="unknown activation 'swish'"):
        mlp((4, 2), rng=rng, activation="swish")
    for unclosed in ("leaky_relu(", "leaky_relu(0.1", "sigmoid("):  # not read as the default setting
        with pytest.raises(InvalidArgumentError, match=re.escape(f"unknown activation {unclosed!r}")):
            mlp((4, 2), rng=rng, activation=unclosed)
    assert mlp((4, 3, 2), rng=rng, activation="leaky_relu(0.2)").layers[1] == LeakyReLU(0.2)


def test_every_architecture_is_described(rng: np.random.Generator) -> None:
    network = mlp((784, 256, 64, 10), rng=rng, activation="tanh", dropout=0.2)
    assert [type(layer) for layer in network.layers] == [Dense, Tanh, Dropout, Dense, Tanh, Dropout, Dense]
    assert network.describe().startswith("784 -> Dense(784 -> 256, float32) -> Tanh() -> Dropout(rate=0.2)")
    assert network.parameter_names() == ("0.weight", "0.bias", "3.weight", "3.bias", "6.weight", "6.bias")
    assert (network.input_shape(), network.output_shape(), network.classes) == ((784,), (10,), 10)


def test_predict_and_probabilities_agree_with_the_logits(network: DefaultNetwork, rng: np.random.Generator) -> None:
    images = rng.random((5, 784))
    np.testing.assert_array_equal(network.predict(images), network.logits(images).argmax(axis=1))
    np.testing.assert_allclose(network.probabilities(images).sum(axis=1), 1.0, rtol=1e-12)


def test_dropout_is_the_identity_in_evaluation_and_seeded_in_training(rng: np.random.Generator) -> None:
    network = mlp((20, 30, 5), rng=rng, dropout=0.5, dtype=np.float64)
    x = rng.random((8, 20))
    without: Network[Any, Any] = Network(tuple(layer for layer in network.layers if not isinstance(layer, Dropout)))
    np.testing.assert_array_equal(network.logits(x), without.logits(x))
    first, _ = network.forward(x, mode=Mode.train(1, 2))
    again, _ = network.forward(x, mode=Mode.train(1, 2))
    other, _ = network.forward(x, mode=Mode.train(1, 3))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    with pytest.raises(InvalidArgumentError, match="training mode needs a key"):
        Mode(training=True)


def test_loss_and_gradients_refuse_what_is_not_a_batch(network: DefaultNetwork, rng: np.random.Generator) -> None:
    images = rng.random((4, 784))
    with pytest.raises(
        ShapeError,
        match=r"Network.loss: expected a Batch \(Batch.of\(images\).labelled\(labels\)\), got float64\[4,784\]",
    ):
        network.loss(images)  # type: ignore[arg-type]
    wrong = Batch.of(rng.random((4, 100))).labelled(np.zeros(4, dtype=np.int64))
    with pytest.raises(
        ShapeError,
        match=r"Network.loss_and_gradients: argument 'batch.images' expected float\[batch, 784\], got float64\[4,100\]",
    ):
        network.loss_and_gradients(wrong)  # type: ignore[arg-type]
