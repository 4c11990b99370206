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
