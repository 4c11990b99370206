"""Parameter trees, gradients and optimizer state of one network used with another: one mistake per function."""

import numpy as np

from verified_nn.core import as_image_batch, as_labels
from verified_nn.layers import Dense, ReLU
from verified_nn.network import Batch, Network, flatten, map_parameters, unflatten
from verified_nn.optimizer import SGD, Adam, Momentum, clip_by_global_norm

rng = np.random.default_rng(0)
small = Network.of(Dense.init(64, 784, rng=rng)).then(ReLU()).then(Dense.init(10, 64, rng=rng))
large = Network.of(Dense.init(256, 784, rng=rng)).then(ReLU()).then(Dense.init(10, 256, rng=rng))
batch = Batch.of(as_image_batch(rng.random((32, 784)))).labelled(as_labels(rng.integers(0, 10, size=32)))


def gradients_of_other_network() -> None:
    _, grads = large.loss_and_gradients(batch)
    optimizer = SGD(learning_rate=0.1)
    optimizer.update(grads, optimizer.init(small), small)  # BUG


def state_of_other_network() -> None:
    optimizer = Adam()
    state = optimizer.init(large)
    _, grads = small.loss_and_gradients(batch)
    optimizer.update(grads, state, small)  # BUG


def momentum_state_of_other_network() -> None:
    optimizer = Momentum(learning_rate=0.01)
    state = optimizer.init(small)
    optimizer.step(large, state, batch)  # BUG


def map_over_two_networks() -> None:
    map_parameters(lambda a, b: a - 0.1 * b, small, large)  # BUG


def unflatten_like_other_network() -> None:
    vector = flatten(large)
    unflatten(vector, like=small)  # BUG


def clip_then_update_other() -> None:
    _, grads = large.loss_and_gradients(batch)
    clipped, _ = clip_by_global_norm(grads, max_norm=1.0)
    optimizer = SGD()
    optimizer.update(clipped, optimizer.init(small), small)  # BUG


def dense_gradient_for_other_layer() -> None:
    first = Dense.init(64, 784, rng=rng)
    second = Dense.init(10, 64, rng=rng)
    _, grads = second.backward(np.zeros((4, 10), np.float32), np.zeros((4, 64), np.float32))
    SGD().update(grads, SGD().init(first), first)  # BUG


def adam_step_other_network() -> None:
    optimizer = Adam(learning_rate=0.001)
    state = optimizer.init(small)
    optimizer.step(large, state, batch)  # BUG


def gradient_step_by_hand_other_network() -> None:
    _, grads = large.loss_and_gradients(batch)
    map_parameters(lambda p, g: p - 0.01 * g, small, grads)  # BUG


def layer_gradient_into_network_update() -> None:
    _, grads = small.loss_and_gradients(batch)
    layer = Dense.init(64, 784, rng=rng)
    SGD().update(grads, SGD().init(small), layer)  # BUG


def sgd_state_then_adam_update() -> None:
    _, grads = small.loss_and_gradients(batch)
    Adam().update(grads, SGD().init(small), small)  # BUG


def flatten_then_unflatten_half() -> None:
    vector = flatten(small)
    unflatten(vector[: vector.shape[0] // 2], like=small)  # BUG


def loss_of_other_input_width() -> None:
    network = Network.of(Dense.init(64, 100, rng=rng)).then(ReLU()).then(Dense.init(10, 64, rng=rng))
    network.loss_and_gradients(batch)  # BUG


def momentum_update_with_adam_state() -> None:
    _, grads = small.loss_and_gradients(batch)
    Momentum().update(grads, Adam().init(small), small)  # BUG


def gradients_of_a_layer_for_the_network() -> None:
    layer = Dense.init(10, 64, rng=rng)
    _, layer_grads = layer.backward(np.zeros((4, 10), np.float32), np.zeros((4, 64), np.float32))
    SGD().update(layer_grads, SGD().init(small), small)  # BUG


def mapped_difference_of_networks() -> None:
    map_parameters(lambda a, b: a - b, large, small)  # BUG
