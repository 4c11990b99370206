"""Labelled batches, losses and evaluation with sizes that disagree: one mistake per function."""

import numpy as np

from verified_nn.core import as_image_batch, as_labels, cross_entropy, cross_entropy_gradient, softmax
from verified_nn.network import Batch, default_network, mlp
from verified_nn.training import evaluate

rng = np.random.default_rng(0)


def labels_of_other_batch() -> None:
    images = as_image_batch(rng.random((64, 784)))
    Batch.of(images).labelled(as_labels(rng.integers(0, 10, size=32)))  # BUG


def labels_from_a_generator() -> None:
    images = rng.random((128, 784))
    Batch.of(images).labelled(rng.integers(0, 10, size=100))  # BUG


def images_not_flattened() -> None:
    network = default_network(rng)
    batch = Batch.of(rng.random((16, 28, 28))).labelled(rng.integers(0, 10, size=16))
    network.loss(batch)  # BUG


def loss_of_wrong_width() -> None:
    network = mlp((784, 64, 10), rng=rng)
    batch = Batch.of(rng.random((16, 100))).labelled(rng.integers(0, 10, size=16))
    network.loss_and_gradients(batch)  # BUG


def cross_entropy_batches_disagree() -> None:
    logits = rng.normal(size=(64, 10))
    labels = rng.integers(0, 10, size=32)
    cross_entropy(logits, labels)  # BUG


def cross_entropy_of_transposed_logits() -> None:
    logits = rng.normal(size=(10, 64))
    labels = rng.integers(0, 10, size=64)
    cross_entropy(logits, labels)  # BUG


def cross_entropy_with_onehot_labels() -> None:
    logits = rng.normal(size=(64, 10))
    labels = np.eye(10, dtype=np.int64)[rng.integers(0, 10, size=64)]
    cross_entropy(logits, labels)  # BUG


def gradient_batches_disagree() -> None:
    cross_entropy_gradient(rng.normal(size=(8, 10)), rng.integers(0, 10, size=16))  # BUG


def network_logits_against_other_labels() -> None:
    network = default_network(rng)
    logits = network.logits(as_image_batch(rng.random((64, 784))))
    cross_entropy(logits, as_labels(rng.integers(0, 10, size=32)))  # BUG


def softmax_result_used_wrong() -> None:
    probabilities = softmax(rng.normal(size=(32, 10)))
    probabilities @ np.ones(32)  # BUG


def evaluate_wrong_width() -> None:
    network = default_network(rng)
    evaluate(network, rng.random((100, 28, 28)), rng.integers(0, 10, size=100))  # BUG


def evaluate_labels_disagree() -> None:
    network = default_network(rng)
    evaluate(network, rng.random((100, 784)), rng.integers(0, 10, size=50))  # BUG


def as_image_batch_of_unflattened() -> None:
    network = default_network(rng)
    images = as_image_batch(rng.random((32, 784)))
    network.logits(images.reshape(32, 28, 28))  # BUG


def predictions_against_other_labels() -> None:
    network = default_network(rng)
    predicted = network.predict(as_image_batch(rng.random((64, 784))))
    labels = as_labels(rng.integers(0, 10, size=100))
    predicted == labels  # BUG


def batch_of_labels_and_images_swapped() -> None:
    images = rng.random((32, 784))
    labels = rng.integers(0, 10, size=32)
    Batch.of(labels).labelled(images)  # BUG


def slices_of_different_length() -> None:
    images = as_image_batch(rng.random((1000, 784)))
    labels = as_labels(rng.integers(0, 10, size=1000))
    Batch.of(images[:100]).labelled(labels[:64])  # BUG


def one_image_as_batch() -> None:
    images = as_image_batch(rng.random((32, 784)))
    Batch.of(images[0]).labelled(rng.integers(0, 10, size=1))  # BUG


def cross_entropy_of_probabilities_row() -> None:
    logits = rng.normal(size=(16, 10))
    cross_entropy(logits[0], rng.integers(0, 10, size=16))  # BUG


def gradient_labels_as_column() -> None:
    cross_entropy_gradient(rng.normal(size=(16, 10)), rng.integers(0, 10, size=(16, 1)))  # BUG


def evaluate_transposed_images() -> None:
    network = default_network(rng)
    evaluate(network, rng.random((784, 100)), rng.integers(0, 10, size=100))  # BUG


def loss_gradients_then_wrong_labels_width() -> None:
    network = default_network(rng)
    images = as_image_batch(rng.random((8, 784)))
    network.loss(Batch.of(images).labelled(rng.integers(0, 10, size=(8, 10))))  # BUG


def labels_of_the_training_set_for_a_batch() -> None:
    images = as_image_batch(rng.random((60, 784)))
    all_labels = as_labels(rng.integers(0, 10, size=600))
    Batch.of(images).labelled(all_labels)  # BUG


def gradient_of_logits_row() -> None:
    cross_entropy_gradient(rng.normal(size=10), rng.integers(0, 10, size=1))  # BUG


def cross_entropy_labels_of_images_count() -> None:
    images = rng.random((32, 784))
    network = default_network(rng)
    cross_entropy(network.logits(images[:16]), rng.integers(0, 10, size=32))  # BUG


def evaluate_labels_as_onehot() -> None:
    network = default_network(rng)
    evaluate(network, rng.random((20, 784)), np.eye(10, dtype=np.int64)[rng.integers(0, 10, size=20)])  # BUG
