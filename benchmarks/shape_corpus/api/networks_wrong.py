"""Networks built from layers and fed batches of the wrong width: one mistake per function."""

import numpy as np

from verified_nn.core import Dim, as_image_batch
from verified_nn.layers import Dense, LeakyReLU, ReLU, Tanh
from verified_nn.network import Network, default_network, mlp

rng = np.random.default_rng(0)


def hidden_widths_disagree() -> None:
    Network.of(Dense.init(128, 784, rng=rng)).then(ReLU()).then(Dense.init(10, 64, rng=rng))  # BUG


def hidden_widths_disagree_dims() -> None:
    hidden, pixels, classes = Dim(128), Dim(784), Dim(10)
    Network.of(Dense.init(hidden, pixels, rng=rng)).then(Dense.init(classes, Dim(256), rng=rng))  # BUG


def arguments_swapped() -> None:
    Network.of(Dense.init(784, 128, rng=rng)).then(ReLU()).then(Dense.init(10, 128, rng=rng))  # BUG


def three_layers_one_off() -> None:
    network = Network.of(Dense.init(256, 784, rng=rng)).then(Tanh()).then(Dense.init(128, 256, rng=rng))
    network.then(LeakyReLU()).then(Dense.init(10, 256, rng=rng))  # BUG


def logits_of_unflattened_images() -> None:
    network = default_network(rng)
    images = rng.random((64, 28, 28))
    network.logits(images)  # BUG


def logits_of_a_single_image() -> None:
    network = default_network(rng)
    image = rng.random(784)
    network.logits(image)  # BUG


def logits_of_wrong_width() -> None:
    network = Network.of(Dense.init(128, 784, rng=rng)).then(ReLU()).then(Dense.init(10, 128, rng=rng))
    network.logits(rng.random((32, 728)))  # BUG


def predict_of_transposed_batch() -> None:
    network = default_network(rng)
    batch = rng.random((784, 64))
    network.predict(batch)  # BUG


def probabilities_of_wrong_width() -> None:
    network = Network.of(Dense.init(32, 100, rng=rng)).then(ReLU()).then(Dense.init(3, 32, rng=rng))
    network.probabilities(np.zeros((16, 10)))  # BUG


def mlp_fed_wrong_width() -> None:
    network = mlp((784, 128, 10), rng=rng)
    network.logits(rng.random((64, 100)))  # BUG


def mlp_fed_images() -> None:
    network = mlp((784, 256, 128, 10), rng=rng)
    network.predict(rng.random((8, 28, 28)))  # BUG


def output_used_as_wrong_width() -> None:
    network = default_network(rng)
    scores = network.logits(as_image_batch(rng.random((64, 784))))
    weights = rng.random((100, 5))
    scores @ weights  # BUG


def logits_compared_to_labels_of_other_batch() -> None:
    network = default_network(rng)
    scores = network.logits(as_image_batch(rng.random((64, 784))))
    targets = rng.random((32, 10))
    scores - targets  # BUG


def forward_of_a_dense_layer() -> None:
    layer = Dense.init(128, 784, rng=rng)
    layer.forward(rng.random((64, 128)))  # BUG


def backward_of_a_dense_layer() -> None:
    layer = Dense.init(10, 128, rng=rng)
    y, cache = layer.forward(rng.random((64, 128)))
    layer.backward(rng.random((64, 128), dtype=np.float32), cache)  # BUG


def backward_of_other_batch() -> None:
    layer = Dense.init(10, 128, rng=rng)
    y, cache = layer.forward(rng.random((64, 128)))
    layer.backward(rng.random((32, 10), dtype=np.float32), cache)  # BUG


def dense_from_arrays_disagree() -> None:
    Dense(weights=np.zeros((10, 128), np.float32), bias=np.zeros(128, np.float32))  # BUG


def network_forward_wrong_width() -> None:
    network = Network.of(Dense.init(64, 20, rng=rng)).then(ReLU()).then(Dense.init(2, 64, rng=rng))
    network.forward(rng.random((5, 64)))  # BUG


def network_backward_wrong_width() -> None:
    network = Network.of(Dense.init(64, 20, rng=rng)).then(ReLU()).then(Dense.init(2, 64, rng=rng))
    out, caches = network.forward(rng.random((5, 20)))
    network.backward(rng.random((5, 64), dtype=np.float32), caches)  # BUG


def wide_network_narrow_input() -> None:
    network = Network.of(Dense.init(512, 3072, rng=rng)).then(ReLU()).then(Dense.init(10, 512, rng=rng))
    network.logits(rng.random((16, 1024)))  # BUG


def deep_network_middle_off_by_one() -> None:
    network = Network.of(Dense.init(300, 784, rng=rng)).then(ReLU()).then(Dense.init(100, 300, rng=rng))
    network.then(ReLU()).then(Dense.init(10, 101, rng=rng))  # BUG


def output_layer_for_two_classes_fed_ten() -> None:
    network = default_network(rng)
    network.then(ReLU()).then(Dense.init(2, 128, rng=rng))  # BUG


def regression_head_wrong() -> None:
    network = Network.of(Dense.init(32, 8, rng=rng)).then(Tanh()).then(Dense.init(1, 8, rng=rng))  # BUG


def autoencoder_decoder_wrong() -> None:
    encoder = Network.of(Dense.init(32, 784, rng=rng)).then(ReLU())
    encoder.then(Dense.init(784, 64, rng=rng))  # BUG


def logits_of_concatenated_batches() -> None:
    network = default_network(rng)
    x = np.concatenate([rng.random((8, 784)), rng.random((8, 784))], axis=1)
    network.logits(x)  # BUG


def logits_of_stacked_images() -> None:
    network = default_network(rng)
    x = np.stack([rng.random(784), rng.random(784)], axis=1)
    network.logits(x)  # BUG


def probabilities_of_column() -> None:
    network = default_network(rng)
    network.probabilities(rng.random(784)[:, None])  # BUG
