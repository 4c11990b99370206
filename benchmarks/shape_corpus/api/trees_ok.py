"""Parameter trees, gradients and optimizer state used with their own network: every call is correct."""

import numpy as np

from verified_nn.core import as_image_batch, as_labels
from verified_nn.layers import Dense, ReLU
from verified_nn.network import Batch, Network, flatten, map_parameters, unflatten
from verified_nn.optimizer import SGD, Adam, Momentum, clip_by_global_norm

rng = np.random.default_rng(0)
small = Network.of(Dense.init(64, 784, rng=rng)).then(ReLU()).then(Dense.init(10, 64, rng=rng))
other = Network.of(Dense.init(64, 784, rng=rng)).then(ReLU()).then(Dense.init(10, 64, rng=rng))
batch = Batch.of(as_image_batch(rng.random((32, 784)))).labelled(as_labels(rng.integers(0, 10, size=32)))


def gradients_of_the_network() -> None:
    _, grads = small.loss_and_gradients(batch)  # OK
    optimizer = SGD(learning_rate=0.1)
    optimizer.update(grads, optimizer.init(small), small)  # OK


def adam_state_of_the_network() -> None:
    optimizer = Adam()
    state = optimizer.init(small)  # OK
    _, grads = small.loss_and_gradients(batch)
    optimizer.update(grads, state, small)  # OK


def momentum_step() -> None:
    optimizer = Momentum(learning_rate=0.01)
    state = optimizer.init(small)
    optimizer.step(small, state, batch)  # OK


def map_over_two_networks() -> None:
    map_parameters(lambda a, b: a - 0.1 * b, small, other)  # OK


def unflatten_like_same_network() -> None:
    vector = flatten(other)  # OK
    unflatten(vector, like=small)  # OK


def clip_then_update() -> None:
    _, grads = small.loss_and_gradients(batch)
    clipped, _ = clip_by_global_norm(grads, max_norm=1.0)  # OK
    optimizer = SGD()
    optimizer.update(clipped, optimizer.init(small), small)  # OK


def dense_gradient_for_its_layer() -> None:
    second = Dense.init(10, 64, rng=rng)
    _, grads = second.backward(np.zeros((4, 10), np.float32), np.zeros((4, 64), np.float32))  # OK
    SGD().update(grads, SGD().init(second), second)  # OK


def adam_step() -> None:
    optimizer = Adam(learning_rate=0.001)
    state = optimizer.init(small)
    optimizer.step(small, state, batch)  # OK


def gradient_step_by_hand() -> None:
    _, grads = small.loss_and_gradients(batch)
    map_parameters(lambda p, g: p - 0.01 * g, small, grads)  # OK


def flatten_then_unflatten() -> None:
    vector = flatten(small)
    unflatten(vector, like=small)  # OK


def loss_of_right_input_width() -> None:
    network = Network.of(Dense.init(64, 784, rng=rng)).then(ReLU()).then(Dense.init(10, 64, rng=rng))
    network.loss_and_gradients(batch)  # OK
