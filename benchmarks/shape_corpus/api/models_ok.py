"""Ready-made models (mlp, cnn, default_network), model input preparation and training helpers: all correct."""

import numpy as np

from verified_nn.core import as_image_batch, as_labels, cross_entropy
from verified_nn.layers import Dense, ReLU
from verified_nn.network import Batch, cnn, default_network, mlp
from verified_nn.predict import as_model_input
from verified_nn.training import evaluate

rng = np.random.default_rng(0)


def mlp_extended() -> None:
    network = mlp((784, 128), rng=rng)
    network.then(ReLU()).then(Dense.init(10, 128, rng=rng))  # OK


def default_network_extended() -> None:
    network = default_network(rng)
    network.then(Dense.init(2, 10, rng=rng))  # OK


def mlp_tabular() -> None:
    network = mlp((13, 32, 3), rng=rng)
    network.logits(rng.random((100, 13)))  # OK


def mlp_logits_against_labels() -> None:
    network = mlp((784, 64, 10), rng=rng)
    scores = network.logits(rng.random((8, 784)))  # OK
    cross_entropy(scores, rng.integers(0, 10, size=8))  # OK


def mlp_loss_of_flat_images() -> None:
    network = mlp((784, 32, 10), rng=rng)
    network.loss(Batch.of(rng.random((8, 28, 28)).reshape(8, 784)).labelled(rng.integers(0, 10, size=8)))  # OK


def cnn_loss() -> None:
    network = cnn((4,), rng=rng)
    images = as_image_batch(rng.random((8, 784)))
    network.loss(Batch.of(images).labelled(as_labels(rng.integers(0, 10, size=8))))  # OK


def model_input() -> None:
    network = default_network(rng)
    network.logits(as_model_input(rng.random((4, 28, 28))))  # OK


def evaluate_mlp() -> None:
    network = mlp((784, 32, 10), rng=rng)
    evaluate(network, rng.random((50, 784)), rng.integers(0, 10, size=50))  # OK


def mlp_forward_backward() -> None:
    network = mlp((20, 16, 4), rng=rng)
    out, caches = network.forward(rng.random((3, 20)))  # OK
    network.backward(rng.random((3, 4), dtype=np.float32), caches)  # OK


def two_mlps_compared() -> None:
    first = mlp((784, 64, 10), rng=rng)
    second = mlp((784, 32, 10), rng=rng)
    images = as_image_batch(rng.random((8, 784)))
    first.probabilities(images) - second.probabilities(images)  # OK


def predictions_of_mlp_against_labels() -> None:
    network = mlp((784, 64, 10), rng=rng)
    predicted = network.predict(rng.random((8, 784)))  # OK
    (predicted == rng.integers(0, 10, size=8)).mean()  # OK
