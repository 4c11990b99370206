"""Convolutional networks whose sizes do not fit: one mistake per function."""

import numpy as np

from verified_nn.core import Dim
from verified_nn.layers import AvgPool2D, Conv2D, Dense, Flatten, MaxPool2D, ReLU, Reshape
from verified_nn.network import Network, cnn

rng = np.random.default_rng(0)


def flatten_width_wrong() -> None:
    network = Network.of(Reshape((1, 28, 28))).then(Conv2D.init(8, 1, kernel=5, rng=rng)).then(ReLU())
    network.then(MaxPool2D(2)).then(Flatten()).then(Dense.init(10, 8 * 14 * 14, rng=rng))  # BUG


def forgotten_pool() -> None:
    network = Network.of(Reshape((1, 28, 28))).then(Conv2D.init(16, 1, kernel=3, padding=1, rng=rng))
    network.then(ReLU()).then(Flatten()).then(Dense.init(10, 16 * 14 * 14, rng=rng))  # BUG


def padding_forgotten() -> None:
    network = Network.of(Reshape((1, 28, 28))).then(Conv2D.init(4, 1, kernel=5, rng=rng)).then(MaxPool2D(2))
    network.then(Flatten()).then(Dense.init(10, 4 * 14 * 14, rng=rng))  # BUG


def kernel_larger_than_input() -> None:
    network = Network.of(Reshape((1, 4, 4)))
    network.then(Conv2D.init(8, 1, kernel=5, rng=rng))  # BUG


def pool_larger_than_input() -> None:
    network = Network.of(Reshape((3, 6, 6))).then(Conv2D.init(8, 3, kernel=3, rng=rng))
    network.then(MaxPool2D(5))  # BUG


def channels_disagree() -> None:
    network = Network.of(Reshape((1, 28, 28))).then(Conv2D.init(32, 1, kernel=3, rng=rng)).then(ReLU())
    network.then(Conv2D.init(64, 16, kernel=3, rng=rng))  # BUG


def channels_of_rgb_input() -> None:
    network = Network.of(Reshape((3, 32, 32)))
    network.then(Conv2D.init(16, 1, kernel=3, rng=rng))  # BUG


def reshape_does_not_fit() -> None:
    Network.of(Dense.init(784, 100, rng=rng)).then(Reshape((1, 28, 27)))  # BUG


def two_blocks_flatten_wrong() -> None:
    network = (
        Network.of(Reshape((1, 28, 28)))
        .then(Conv2D.init(8, 1, kernel=3, padding=1, rng=rng))
        .then(MaxPool2D(2))
        .then(Conv2D.init(16, 8, kernel=3, padding=1, rng=rng))
        .then(MaxPool2D(2))
    )
    network.then(Flatten()).then(Dense.init(10, 16 * 14 * 14, rng=rng))  # BUG


def avg_pool_stride_forgotten() -> None:
    network = Network.of(Reshape((1, 28, 28))).then(AvgPool2D(2, stride=1))
    network.then(Flatten()).then(Dense.init(10, 14 * 14, rng=rng))  # BUG


def stride_two_flatten_wrong() -> None:
    network = Network.of(Reshape((1, 28, 28))).then(Conv2D.init(6, 1, kernel=4, stride=2, rng=rng))
    network.then(Flatten()).then(Dense.init(10, 6 * 12 * 12, rng=rng))  # BUG


def flatten_width_declared_wrong() -> None:
    network = Network.of(Reshape((1, 28, 28))).then(Conv2D.init(8, 1, kernel=5, rng=rng)).then(MaxPool2D(2))
    network.then(Flatten.to(Dim(8 * 14 * 14)))  # BUG


def cnn_fed_wrong_width() -> None:
    network = cnn((8, 16), rng=rng)
    network.logits(rng.random((4, 28, 28)))  # BUG


def cnn_fed_rgb_width() -> None:
    network = cnn((8,), rng=rng, image=(3, 32, 32))
    network.logits(rng.random((4, 784)))  # BUG


def conv_forward_wrong_channels() -> None:
    layer = Conv2D.init(16, 3, kernel=3, rng=rng)
    layer.forward(rng.random((2, 1, 28, 28)))  # BUG


def conv_backward_wrong_channels() -> None:
    layer = Conv2D.init(16, 3, kernel=3, padding=1, rng=rng)
    y, cache = layer.forward(rng.random((2, 3, 8, 8), dtype=np.float32))
    layer.backward(rng.random((2, 3, 8, 8), dtype=np.float32), cache)  # BUG


def pool_backward_wrong_size() -> None:
    pool = MaxPool2D(2)
    y, cache = pool.forward(rng.random((2, 3, 8, 8), dtype=np.float32))
    pool.backward(rng.random((2, 3, 8, 8), dtype=np.float32), cache)  # BUG


def cnn_two_blocks_flatten_as_if_one_pool() -> None:
    network = (
        Network.of(Reshape((1, 28, 28)))
        .then(Conv2D.init(16, 1, kernel=5, padding=2, rng=rng))
        .then(ReLU())
        .then(MaxPool2D(2))
        .then(Conv2D.init(32, 16, kernel=5, padding=2, rng=rng))
        .then(ReLU())
        .then(MaxPool2D(2))
        .then(Flatten())
    )
    network.then(Dense.init(128, 32 * 14 * 14, rng=rng))  # BUG


def cifar_flatten_wrong() -> None:
    network = Network.of(Reshape((3, 32, 32))).then(Conv2D.init(32, 3, kernel=3, rng=rng)).then(MaxPool2D(2))
    network.then(Flatten()).then(Dense.init(10, 32 * 16 * 16, rng=rng))  # BUG


def pool_stride_wrong_flatten() -> None:
    network = Network.of(Reshape((1, 28, 28))).then(MaxPool2D(3, stride=3))
    network.then(Flatten()).then(Dense.init(10, 10 * 10, rng=rng))  # BUG


def second_conv_channels_from_kernel() -> None:
    network = Network.of(Reshape((1, 28, 28))).then(Conv2D.init(6, 1, kernel=5, rng=rng)).then(MaxPool2D(2))
    network.then(Conv2D.init(16, 5, kernel=5, rng=rng))  # BUG


def reshape_channels_last() -> None:
    network = Network.of(Reshape((28, 28, 1)))
    network.then(Conv2D.init(8, 1, kernel=3, rng=rng))  # BUG


def conv_after_flatten() -> None:
    network = Network.of(Reshape((1, 28, 28))).then(Conv2D.init(8, 1, kernel=3, rng=rng)).then(Flatten())
    network.then(Conv2D.init(8, 8, kernel=3, rng=rng))  # BUG


def dense_before_reshape_wrong() -> None:
    network = Network.of(Dense.init(196, 784, rng=rng)).then(ReLU())
    network.then(Reshape((1, 28, 28)))  # BUG


def cnn_logits_against_wrong_labels_width() -> None:
    network = cnn((8,), rng=rng, classes=5)
    scores = network.logits(rng.random((4, 784)))
    scores - np.eye(10)[rng.integers(0, 10, size=4)]  # BUG


def cnn_predict_of_grids() -> None:
    network = cnn((4, 8), rng=rng, hidden=(64,))
    network.predict(rng.random((2, 1, 28, 28)))  # BUG


def avg_pool_then_wrong_dense() -> None:
    network = Network.of(Reshape((4, 8, 8))).then(AvgPool2D(2)).then(Flatten())
    network.then(Dense.init(10, 4 * 8 * 8, rng=rng))  # BUG


def padding_two_flatten_wrong() -> None:
    network = Network.of(Reshape((1, 28, 28))).then(Conv2D.init(4, 1, kernel=3, padding=2, rng=rng))
    network.then(Flatten()).then(Dense.init(10, 4 * 28 * 28, rng=rng))  # BUG


def lenet_flatten_wrong() -> None:
    network = (
        Network.of(Reshape((1, 32, 32)))
        .then(Conv2D.init(6, 1, kernel=5, rng=rng))
        .then(ReLU())
        .then(AvgPool2D(2))
        .then(Conv2D.init(16, 6, kernel=5, rng=rng))
        .then(ReLU())
        .then(AvgPool2D(2))
        .then(Flatten())
    )
    network.then(Dense.init(120, 16 * 4 * 4, rng=rng))  # BUG


def conv_init_arguments_swapped() -> None:
    network = Network.of(Reshape((1, 28, 28))).then(Conv2D.init(1, 32, kernel=3, rng=rng))  # BUG
    del network


def reshape_then_dense_of_grid() -> None:
    network = Network.of(Reshape((1, 28, 28)))
    network.then(Dense.init(10, 784, rng=rng))  # BUG


def cnn_of_other_image_size_fed_mnist() -> None:
    network = cnn((8,), rng=rng, image=(1, 32, 32))
    network.logits(rng.random((2, 784)))  # BUG


def stride_and_padding_flatten_wrong() -> None:
    network = Network.of(Reshape((3, 32, 32))).then(Conv2D.init(8, 3, kernel=3, stride=2, padding=1, rng=rng))
    network.then(Flatten()).then(Dense.init(10, 8 * 15 * 15, rng=rng))  # BUG


def max_pool_of_dense_output() -> None:
    network = Network.of(Dense.init(64, 784, rng=rng))
    network.then(MaxPool2D(2))  # BUG


def conv_of_flat_images() -> None:
    network = Network.of(Conv2D.init(8, 1, kernel=3, rng=rng))
    network.logits(rng.random((2, 784)))  # BUG
