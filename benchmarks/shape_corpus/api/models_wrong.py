"""Ready-made models (mlp, cnn, default_network), model input preparation and training helpers: one mistake each."""

import numpy as np

from verified_nn.core import as_image_batch, as_labels, cross_entropy
from verified_nn.layers import Dense, ReLU
from verified_nn.network import Batch, cnn, default_network, mlp
from verified_nn.predict import as_model_input
from verified_nn.training import evaluate

rng = np.random.default_rng(0)


def mlp_extended_with_wrong_layer() -> None:
    network = mlp((784, 128), rng=rng)
    network.then(ReLU()).then(Dense.init(10, 784, rng=rng))  # BUG


def default_network_extended_wrong() -> None:
    network = default_network(rng)
    network.then(Dense.init(2, 128, rng=rng))  # BUG


def mlp_tabular_wrong_width() -> None:
    network = mlp((13, 32, 3), rng=rng)
    network.logits(rng.random((100, 12)))  # BUG


def mlp_logits_against_wrong_classes() -> None:
    network = mlp((784, 64, 10), rng=rng)
    scores = network.logits(rng.random((8, 784)))
    cross_entropy(scores, rng.integers(0, 10, size=10))  # BUG


def mlp_loss_of_grids() -> None:
    network = mlp((784, 32, 10), rng=rng)
    network.loss(Batch.of(rng.random((8, 28, 28))).labelled(rng.integers(0, 10, size=8)))  # BUG


def cnn_extended_with_wrong_dense() -> None:
    network = cnn((8,), rng=rng, hidden=(), classes=10)
    network.then(ReLU()).then(Dense.init(2, 64, rng=rng))  # BUG


def cnn_loss_of_other_batch() -> None:
    network = cnn((4,), rng=rng)
    images = as_image_batch(rng.random((8, 784)))
    network.loss(Batch.of(images).labelled(as_labels(rng.integers(0, 10, size=6))))  # BUG


def model_input_of_wrong_size() -> None:
    network = default_network(rng)
    network.logits(as_model_input(rng.random((4, 32, 32))))  # BUG


def evaluate_mlp_wrong_width() -> None:
    network = mlp((784, 32, 10), rng=rng)
    evaluate(network, rng.random((50, 100)), rng.integers(0, 10, size=50))  # BUG


def evaluate_cnn_of_grids() -> None:
    network = cnn((4,), rng=rng)
    evaluate(network, rng.random((20, 1, 28, 28)), rng.integers(0, 10, size=20))  # BUG


def mlp_forward_backward_width() -> None:
    network = mlp((20, 16, 4), rng=rng)
    out, caches = network.forward(rng.random((3, 20)))
    network.backward(rng.random((3, 16), dtype=np.float32), caches)  # BUG


def two_mlps_compared() -> None:
    first = mlp((784, 64, 10), rng=rng)
    second = mlp((784, 64, 2), rng=rng)
    images = as_image_batch(rng.random((8, 784)))
    first.probabilities(images) - second.probabilities(images)  # BUG


def mlp_probabilities_against_onehot_of_other_batch() -> None:
    network = mlp((784, 64, 10), rng=rng)
    probs = network.probabilities(rng.random((8, 784)))
    probs - np.eye(10)[rng.integers(0, 10, size=16)]  # BUG


def predictions_of_mlp_against_labels() -> None:
    network = mlp((784, 64, 10), rng=rng)
    predicted = network.predict(rng.random((8, 784)))
    (predicted == rng.integers(0, 10, size=10)).mean()  # BUG
