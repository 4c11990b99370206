"""Layers called on their own, forward and backward: every call is correct."""

import numpy as np

from verified_nn.core import Dim
from verified_nn.layers import EVAL, Dense, Dropout, Flatten, LeakyReLU, Mode, Normalize, ReLU, Reshape, Tanh

rng = np.random.default_rng(0)


def relu_backward() -> None:
    layer = ReLU()
    y, cache = layer.forward(rng.normal(size=(8, 16)))  # OK
    layer.backward(rng.normal(size=(8, 16)), cache)  # OK


def tanh_backward() -> None:
    layer = Tanh()
    y, cache = layer.forward(rng.normal(size=(8, 16)))  # OK
    layer.backward(rng.normal(size=(8, 16)), cache)  # OK


def leaky_backward() -> None:
    layer = LeakyReLU(0.1)
    y, cache = layer.forward(rng.normal(size=(8, 16)))  # OK
    layer.backward(rng.normal(size=(8, 16)), cache)  # OK


def dropout_backward() -> None:
    layer = Dropout(0.5)
    y, mask = layer.forward(rng.normal(size=(8, 16)), mode=Mode.train(0))  # OK
    layer.backward(rng.normal(size=(8, 16)), mask)  # OK


def relu_output_into_dense() -> None:
    hidden, _ = ReLU().forward(rng.normal(size=(8, 128)))  # OK
    Dense.init(10, 128, rng=rng).forward(hidden)  # OK


def dense_output_into_dense() -> None:
    first = Dense.init(64, 784, rng=rng)
    hidden, _ = first.forward(rng.random((8, 784)))  # OK
    Dense.init(10, 64, rng=rng).forward(hidden)  # OK


def dense_with_dims() -> None:
    layer = Dense.init(Dim(10), Dim(128), rng=rng)
    layer.forward(rng.random((8, 128)))  # OK


def dense_parameter_gradients() -> None:
    layer = Dense.init(10, 128, rng=rng)
    layer.parameter_gradients(rng.random((8, 10), dtype=np.float32), rng.random((8, 128), dtype=np.float32))  # OK


def flatten_to_width() -> None:
    layer = Flatten.to(Dim(784))
    y, _ = layer.forward(rng.random((8, 28, 28)))  # OK
    Dense.init(10, 784, rng=rng).forward(y)  # OK


def normalize_flat_images() -> None:
    layer = Normalize(shape=(784,), shift=(0.1307,) * 784, scale=(0.3081,) * 784)
    layer.forward(rng.random((8, 784)), mode=EVAL)  # OK


def dense_forward_of_one_sample() -> None:
    layer = Dense.init(10, 784, rng=rng)
    layer.forward(rng.random(784)[None, :])  # OK


def dense_backward_with_cache() -> None:
    layer = Dense.init(10, 128, rng=rng)
    y, cache = layer.forward(rng.random((8, 128)))  # OK
    layer.backward(y, cache)  # OK


def dense_input_width_from_weights_columns() -> None:
    layer = Dense.init(64, 32, rng=rng)
    layer.forward(rng.random((8, layer.weights.shape[1])))  # OK


def dense_from_zeros() -> None:
    Dense(weights=np.zeros((64, 32), np.float32), bias=np.zeros(64, np.float32))  # OK
