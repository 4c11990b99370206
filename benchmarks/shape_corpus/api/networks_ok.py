"""Networks built from layers and fed batches of their width: every call is correct."""

import numpy as np

from verified_nn.core import Dim, as_image_batch
from verified_nn.layers import Dense, LeakyReLU, ReLU, Tanh
from verified_nn.network import Network, default_network, mlp

rng = np.random.default_rng(0)


def hidden_widths_agree() -> None:
    Network.of(Dense.init(128, 784, rng=rng)).then(ReLU()).then(Dense.init(10, 128, rng=rng))  # OK


def hidden_widths_agree_dims() -> None:
    hidden, pixels, classes = Dim(128), Dim(784), Dim(10)
    Network.of(Dense.init(hidden, pixels, rng=rng)).then(Dense.init(classes, hidden, rng=rng))  # OK


def three_layers() -> None:
    network = Network.of(Dense.init(256, 784, rng=rng)).then(Tanh()).then(Dense.init(128, 256, rng=rng))
    network.then(LeakyReLU()).then(Dense.init(10, 128, rng=rng))  # OK


def logits_of_flattened_images() -> None:
    network = default_network(rng)
    images = rng.random((64, 28, 28))
    network.logits(images.reshape(64, 784))  # OK


def logits_of_a_single_image() -> None:
    network = default_network(rng)
    image = rng.random(784)
    network.logits(image[None, :])  # OK


def logits_of_right_width() -> None:
    network = Network.of(Dense.init(128, 784, rng=rng)).then(ReLU()).then(Dense.init(10, 128, rng=rng))
    network.logits(rng.random((32, 784)))  # OK


def predict_of_batch() -> None:
    network = default_network(rng)
    batch = rng.random((784, 64))
    network.predict(batch.T)  # OK


def probabilities_of_right_width() -> None:
    network = Network.of(Dense.init(32, 100, rng=rng)).then(ReLU()).then(Dense.init(3, 32, rng=rng))
    network.probabilities(np.zeros((16, 100)))  # OK


def mlp_fed_right_width() -> None:
    network = mlp((784, 128, 10), rng=rng)
    network.logits(rng.random((64, 784)))  # OK


def mlp_fed_flattened_images() -> None:
    network = mlp((784, 256, 128, 10), rng=rng)
    network.predict(rng.random((8, 28, 28)).reshape(8, -1))  # OK


def output_used_at_its_width() -> None:
    network = default_network(rng)
    scores = network.logits(as_image_batch(rng.random((64, 784))))
    weights = rng.random((10, 5))
    scores @ weights  # OK


def logits_compared_to_targets() -> None:
    network = default_network(rng)
    scores = network.logits(as_image_batch(rng.random((64, 784))))
    targets = rng.random((64, 10))
    scores - targets  # OK


def forward_and_backward_of_a_dense_layer() -> None:
    layer = Dense.init(10, 128, rng=rng)
    y, cache = layer.forward(rng.random((64, 128)))  # OK
    layer.backward(rng.random((64, 10), dtype=np.float32), cache)  # OK


def dense_from_arrays() -> None:
    Dense(weights=np.zeros((10, 128), np.float32), bias=np.zeros(10, np.float32))  # OK


def network_forward_backward() -> None:
    network = Network.of(Dense.init(64, 20, rng=rng)).then(ReLU()).then(Dense.init(2, 64, rng=rng))
    out, caches = network.forward(rng.random((5, 20)))  # OK
    network.backward(rng.random((5, 2), dtype=np.float32), caches)  # OK


def wide_network() -> None:
    network = Network.of(Dense.init(512, 3072, rng=rng)).then(ReLU()).then(Dense.init(10, 512, rng=rng))
    network.logits(rng.random((16, 3072)))  # OK


def deep_network() -> None:
    network = Network.of(Dense.init(300, 784, rng=rng)).then(ReLU()).then(Dense.init(100, 300, rng=rng))
    network.then(ReLU()).then(Dense.init(10, 100, rng=rng))  # OK


def regression_head() -> None:
    Network.of(Dense.init(32, 8, rng=rng)).then(Tanh()).then(Dense.init(1, 32, rng=rng))  # OK


def logits_of_concatenated_batches() -> None:
    network = default_network(rng)
    x = np.concatenate([rng.random((8, 784)), rng.random((8, 784))], axis=0)
    network.logits(x)  # OK


def logits_of_stacked_images() -> None:
    network = default_network(rng)
    x = np.stack([rng.random(784), rng.random(784)], axis=0)
    network.logits(x)  # OK
