"""Arrays of a dtype the library refuses: one mistake per function."""

import numpy as np

from verified_nn.core import as_image_batch, cross_entropy
from verified_nn.network import Batch, default_network, flatten, unflatten

rng = np.random.default_rng(0)


def half_precision_images() -> None:
    network = default_network(rng)
    network.logits(rng.random((8, 784)).astype(np.float16))  # BUG


def integer_images() -> None:
    network = default_network(rng)
    network.logits(rng.integers(0, 256, size=(8, 784)))  # BUG


def uint8_images_into_a_batch() -> None:
    images = np.zeros((8, 784), dtype=np.uint8)
    Batch.of(images).labelled(rng.integers(0, 10, size=8))  # BUG


def float_labels() -> None:
    images = as_image_batch(rng.random((8, 784)))
    Batch.of(images).labelled(rng.random(8))  # BUG


def float_labels_to_loss() -> None:
    cross_entropy(rng.normal(size=(8, 10)), np.zeros(8))  # BUG


def integer_logits_to_loss() -> None:
    cross_entropy(rng.integers(0, 3, size=(8, 10)), rng.integers(0, 10, size=8))  # BUG


def boolean_images() -> None:
    network = default_network(rng)
    network.predict(rng.random((8, 784)) > 0.5)  # BUG


def unflatten_integer_vector() -> None:
    network = default_network(rng)
    unflatten(np.zeros(flatten(network).shape, dtype=np.int64), like=network)  # BUG


def image_batch_of_half_precision() -> None:
    as_image_batch(np.zeros((4, 784), dtype=np.float16))  # BUG


def labels_from_max_probabilities() -> None:
    network = default_network(rng)
    images = as_image_batch(rng.random((4, 784)))
    Batch.of(images).labelled(network.probabilities(images).max(axis=1))  # BUG


def complex_images() -> None:
    network = default_network(rng)
    network.logits(np.zeros((4, 784), dtype=np.complex128))  # BUG


def unflatten_half_precision_vector() -> None:
    network = default_network(rng)
    unflatten(flatten(network).astype(np.float16), like=network)  # BUG


def float16_logits_to_loss() -> None:
    cross_entropy(rng.normal(size=(8, 10)).astype(np.float16), rng.integers(0, 10, size=8))  # BUG


def boolean_labels() -> None:
    images = as_image_batch(rng.random((8, 784)))
    Batch.of(images).labelled(rng.random(8) > 0.5)  # BUG


def labels_as_float32() -> None:
    cross_entropy(rng.normal(size=(8, 10)), rng.integers(0, 10, size=8).astype(np.float32))  # BUG


def int_images_into_batch() -> None:
    Batch.of(rng.integers(0, 255, size=(8, 784))).labelled(rng.integers(0, 10, size=8))  # BUG
