"""Labelled batches, losses and evaluation with sizes that agree: every call is correct."""

import numpy as np

from verified_nn.core import as_image_batch, as_labels, cross_entropy, cross_entropy_gradient, softmax
from verified_nn.network import Batch, default_network, mlp
from verified_nn.training import evaluate

rng = np.random.default_rng(0)


def labels_of_the_batch() -> None:
    images = as_image_batch(rng.random((64, 784)))
    Batch.of(images).labelled(as_labels(rng.integers(0, 10, size=64)))  # OK


def labels_from_a_generator() -> None:
    images = rng.random((128, 784))
    Batch.of(images).labelled(rng.integers(0, 10, size=128))  # OK


def images_flattened() -> None:
    network = default_network(rng)
    batch = Batch.of(rng.random((16, 28, 28)).reshape(16, 784)).labelled(rng.integers(0, 10, size=16))  # OK
    network.loss(batch)  # OK


def loss_of_right_width() -> None:
    network = mlp((784, 64, 10), rng=rng)
    batch = Batch.of(rng.random((16, 784))).labelled(rng.integers(0, 10, size=16))  # OK
    network.loss_and_gradients(batch)  # OK


def cross_entropy_batches_agree() -> None:
    logits = rng.normal(size=(64, 10))
    labels = rng.integers(0, 10, size=64)
    cross_entropy(logits, labels)  # OK


def cross_entropy_of_logits() -> None:
    logits = rng.normal(size=(10, 64))
    labels = rng.integers(0, 10, size=64)
    cross_entropy(logits.T, labels)  # OK


def cross_entropy_with_class_labels() -> None:
    logits = rng.normal(size=(64, 10))
    onehot = np.eye(10, dtype=np.int64)[rng.integers(0, 10, size=64)]
    cross_entropy(logits, onehot.argmax(axis=1))  # OK


def gradient_batches_agree() -> None:
    cross_entropy_gradient(rng.normal(size=(16, 10)), rng.integers(0, 10, size=16))  # OK


def network_logits_against_labels() -> None:
    network = default_network(rng)
    logits = network.logits(as_image_batch(rng.random((64, 784))))  # OK
    cross_entropy(logits, as_labels(rng.integers(0, 10, size=64)))  # OK


def softmax_result_used() -> None:
    probabilities = softmax(rng.normal(size=(32, 10)))
    probabilities @ np.ones(10)  # OK


def evaluate_flat_images() -> None:
    network = default_network(rng)
    evaluate(network, rng.random((100, 28, 28)).reshape(100, 784), rng.integers(0, 10, size=100))  # OK


def predictions_against_labels() -> None:
    network = default_network(rng)
    predicted = network.predict(as_image_batch(rng.random((64, 784))))  # OK
    labels = as_labels(rng.integers(0, 10, size=64))
    predicted == labels  # OK


def batch_of_images_and_labels() -> None:
    images = rng.random((32, 784))
    labels = rng.integers(0, 10, size=32)
    Batch.of(images).labelled(labels)  # OK


def slices_of_same_length() -> None:
    images = as_image_batch(rng.random((1000, 784)))
    labels = as_labels(rng.integers(0, 10, size=1000))
    Batch.of(images[:100]).labelled(labels[:100])  # OK


def one_image_as_batch() -> None:
    images = as_image_batch(rng.random((32, 784)))
    Batch.of(images[:1]).labelled(rng.integers(0, 10, size=1))  # OK


def evaluate_images() -> None:
    network = default_network(rng)
    evaluate(network, rng.random((784, 100)).T, rng.integers(0, 10, size=100))  # OK


def labels_of_the_batch_from_the_training_set() -> None:
    images = as_image_batch(rng.random((60, 784)))
    all_labels = as_labels(rng.integers(0, 10, size=600))
    Batch.of(images).labelled(all_labels[:60])  # OK


def cross_entropy_labels_of_the_half() -> None:
    images = rng.random((32, 784))
    network = default_network(rng)
    cross_entropy(network.logits(images[:16]), rng.integers(0, 10, size=16))  # OK
