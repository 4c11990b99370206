"""Convolutional networks whose sizes fit: every call is correct."""

import numpy as np

from verified_nn.core import Dim
from verified_nn.layers import AvgPool2D, Conv2D, Dense, Flatten, MaxPool2D, ReLU, Reshape
from verified_nn.network import Network, cnn

rng = np.random.default_rng(0)


def flatten_width() -> None:
    network = Network.of(Reshape((1, 28, 28))).then(Conv2D.init(8, 1, kernel=5, rng=rng)).then(ReLU())
    network.then(MaxPool2D(2)).then(Flatten()).then(Dense.init(10, 8 * 12 * 12, rng=rng))  # OK


def same_padding_and_pool() -> None:
    network = Network.of(Reshape((1, 28, 28))).then(Conv2D.init(16, 1, kernel=3, padding=1, rng=rng))
    network.then(ReLU()).then(MaxPool2D(2)).then(Flatten()).then(Dense.init(10, 16 * 14 * 14, rng=rng))  # OK


def kernel_fits_input() -> None:
    network = Network.of(Reshape((1, 4, 4)))
    network.then(Conv2D.init(8, 1, kernel=3, rng=rng))  # OK


def pool_fits_input() -> None:
    network = Network.of(Reshape((3, 6, 6))).then(Conv2D.init(8, 3, kernel=3, rng=rng))
    network.then(MaxPool2D(2))  # OK


def channels_agree() -> None:
    network = Network.of(Reshape((1, 28, 28))).then(Conv2D.init(32, 1, kernel=3, rng=rng)).then(ReLU())
    network.then(Conv2D.init(64, 32, kernel=3, rng=rng))  # OK


def channels_of_rgb_input() -> None:
    network = Network.of(Reshape((3, 32, 32)))
    network.then(Conv2D.init(16, 3, kernel=3, rng=rng))  # OK


def reshape_fits() -> None:
    Network.of(Dense.init(784, 100, rng=rng)).then(Reshape((1, 28, 28)))  # OK


def two_blocks() -> None:
    network = (
        Network.of(Reshape((1, 28, 28)))
        .then(Conv2D.init(8, 1, kernel=3, padding=1, rng=rng))
        .then(MaxPool2D(2))
        .then(Conv2D.init(16, 8, kernel=3, padding=1, rng=rng))
        .then(MaxPool2D(2))
    )
    network.then(Flatten()).then(Dense.init(10, 16 * 7 * 7, rng=rng))  # OK


def avg_pool() -> None:
    network = Network.of(Reshape((1, 28, 28))).then(AvgPool2D(2))
    network.then(Flatten()).then(Dense.init(10, 14 * 14, rng=rng))  # OK


def stride_two() -> None:
    network = Network.of(Reshape((1, 28, 28))).then(Conv2D.init(6, 1, kernel=4, stride=2, rng=rng))
    network.then(Flatten()).then(Dense.init(10, 6 * 13 * 13, rng=rng))  # OK


def flatten_width_declared() -> None:
    network = Network.of(Reshape((1, 28, 28))).then(Conv2D.init(8, 1, kernel=5, rng=rng)).then(MaxPool2D(2))
    network.then(Flatten.to(Dim(8 * 12 * 12)))  # OK


def cnn_fed_flat_images() -> None:
    network = cnn((8, 16), rng=rng)
    network.logits(rng.random((4, 784)))  # OK


def cnn_fed_rgb() -> None:
    network = cnn((8,), rng=rng, image=(3, 32, 32))
    network.logits(rng.random((4, 3 * 32 * 32)))  # OK


def conv_forward_backward() -> None:
    layer = Conv2D.init(16, 3, kernel=3, padding=1, rng=rng)
    y, cache = layer.forward(rng.random((2, 3, 8, 8), dtype=np.float32))  # OK
    layer.backward(rng.random((2, 16, 8, 8), dtype=np.float32), cache)  # OK


def pool_forward_backward() -> None:
    pool = MaxPool2D(2)
    y, cache = pool.forward(rng.random((2, 3, 8, 8), dtype=np.float32))  # OK
    pool.backward(rng.random((2, 3, 4, 4), dtype=np.float32), cache)  # OK


def cnn_two_blocks() -> None:
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
    network.then(Dense.init(128, 32 * 7 * 7, rng=rng))  # OK


def cifar_flatten() -> None:
    network = Network.of(Reshape((3, 32, 32))).then(Conv2D.init(32, 3, kernel=3, rng=rng)).then(MaxPool2D(2))
    network.then(Flatten()).then(Dense.init(10, 32 * 15 * 15, rng=rng))  # OK


def pool_stride() -> None:
    network = Network.of(Reshape((1, 28, 28))).then(MaxPool2D(3, stride=3))
    network.then(Flatten()).then(Dense.init(10, 9 * 9, rng=rng))  # OK


def second_conv_channels() -> None:
    network = Network.of(Reshape((1, 28, 28))).then(Conv2D.init(6, 1, kernel=5, rng=rng)).then(MaxPool2D(2))
    network.then(Conv2D.init(16, 6, kernel=5, rng=rng))  # OK


def dense_before_reshape() -> None:
    network = Network.of(Dense.init(784, 784, rng=rng)).then(ReLU())
    network.then(Reshape((1, 28, 28)))  # OK


def cnn_logits_against_labels() -> None:
    network = cnn((8,), rng=rng, classes=5)
    scores = network.logits(rng.random((4, 784)))  # OK
    scores - np.eye(5)[rng.integers(0, 5, size=4)]  # OK


def cnn_predict_of_flat_images() -> None:
    network = cnn((4, 8), rng=rng, hidden=(64,))
    network.predict(rng.random((2, 1, 28, 28)).reshape(2, 784))  # OK


def padding_two() -> None:
    network = Network.of(Reshape((1, 28, 28))).then(Conv2D.init(4, 1, kernel=3, padding=2, rng=rng))
    network.then(Flatten()).then(Dense.init(10, 4 * 30 * 30, rng=rng))  # OK


def lenet() -> None:
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
    network.then(Dense.init(120, 16 * 5 * 5, rng=rng))  # OK


def cnn_of_other_image_size() -> None:
    network = cnn((8,), rng=rng, image=(1, 32, 32))
    network.logits(rng.random((2, 1024)))  # OK


def stride_and_padding() -> None:
    network = Network.of(Reshape((3, 32, 32))).then(Conv2D.init(8, 3, kernel=3, stride=2, padding=1, rng=rng))
    network.then(Flatten()).then(Dense.init(10, 8 * 16 * 16, rng=rng))  # OK


def conv_of_image_grids() -> None:
    network = Network.of(Conv2D.init(8, 1, kernel=3, rng=rng))
    network.logits(rng.random((2, 1, 28, 28)))  # OK
