"""Layers called on their own, forward and backward: one mistake per function."""

import numpy as np

from verified_nn.core import Dim
from verified_nn.layers import EVAL, Dense, Dropout, Flatten, LeakyReLU, Mode, Normalize, ReLU, Reshape, Tanh

rng = np.random.default_rng(0)


def relu_backward_of_other_shape() -> None:
    layer = ReLU()
    y, cache = layer.forward(rng.normal(size=(8, 16)))
    layer.backward(rng.normal(size=(16, 8)), cache)  # BUG


def tanh_backward_of_other_batch() -> None:
    layer = Tanh()
    y, cache = layer.forward(rng.normal(size=(8, 16)))
    layer.backward(rng.normal(size=(4, 16)), cache)  # BUG


def leaky_backward_of_other_width() -> None:
    layer = LeakyReLU(0.1)
    y, cache = layer.forward(rng.normal(size=(8, 16)))
    layer.backward(rng.normal(size=(8, 10)), cache)  # BUG


def dropout_backward_of_other_shape() -> None:
    layer = Dropout(0.5)
    y, mask = layer.forward(rng.normal(size=(8, 16)), mode=Mode.train(0))
    layer.backward(rng.normal(size=(8, 32)), mask)  # BUG


def relu_output_into_dense() -> None:
    hidden, _ = ReLU().forward(rng.normal(size=(8, 64)))
    Dense.init(10, 128, rng=rng).forward(hidden)  # BUG


def dense_output_into_dense() -> None:
    first = Dense.init(64, 784, rng=rng)
    hidden, _ = first.forward(rng.random((8, 784)))
    Dense.init(10, 128, rng=rng).forward(hidden)  # BUG


def dense_with_dims_wrong_input() -> None:
    layer = Dense.init(Dim(10), Dim(128), rng=rng)
    layer.forward(rng.random((8, 64)))  # BUG


def dense_parameter_gradients_wrong() -> None:
    layer = Dense.init(10, 128, rng=rng)
    layer.parameter_gradients(rng.random((8, 128), dtype=np.float32), rng.random((8, 128), dtype=np.float32))  # BUG


def flatten_to_wrong_width() -> None:
    layer = Flatten.to(Dim(784))
    y, _ = layer.forward(rng.random((8, 28, 28)))
    Dense.init(10, 100, rng=rng).forward(y)  # BUG


def reshape_to_then_wrong_dense() -> None:
    layer = Reshape.to(Dim(16), Dim(49))
    y, _ = layer.forward(rng.random((8, 784)))
    Dense.init(10, 16, rng=rng).forward(y)  # BUG


def normalize_wrong_shape() -> None:
    layer = Normalize(shape=(784,), shift=(0.1307,) * 784, scale=(0.3081,) * 784)
    layer.forward(rng.random((8, 28, 28)), mode=EVAL)  # BUG


def dense_forward_of_one_sample() -> None:
    layer = Dense.init(10, 784, rng=rng)
    layer.forward(rng.random(784))  # BUG


def dense_input_width_from_weights_rows() -> None:
    layer = Dense.init(64, 32, rng=rng)
    layer.forward(rng.random((8, layer.weights.shape[0])))  # BUG


def dense_bias_wrong_from_zeros() -> None:
    Dense(weights=np.zeros((64, 32), np.float32), bias=np.zeros(32, np.float32))  # BUG


def dense_weights_transposed() -> None:
    layer = Dense.init(64, 32, rng=rng)
    Dense(weights=layer.weights.T, bias=layer.bias)  # BUG
