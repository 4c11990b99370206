"""Arrays of the dtypes the library takes: every call is correct."""

import numpy as np

from verified_nn.core import as_image_batch, cross_entropy
from verified_nn.network import Batch, default_network, flatten, unflatten

rng = np.random.default_rng(0)


def single_precision_images() -> None:
    network = default_network(rng)
    network.logits(rng.random((8, 784)).astype(np.float32))  # OK


def integer_images_scaled() -> None:
    network = default_network(rng)
    network.logits(rng.integers(0, 256, size=(8, 784)) / 255.0)  # OK


def uint8_images_converted() -> None:
    images = np.zeros((8, 784), dtype=np.uint8)
    Batch.of(images.astype(np.float32)).labelled(rng.integers(0, 10, size=8))  # OK


def integer_labels() -> None:
    images = as_image_batch(rng.random((8, 784)))
    Batch.of(images).labelled(rng.integers(0, 10, size=8))  # OK


def integer_labels_to_loss() -> None:
    cross_entropy(rng.normal(size=(8, 10)), np.zeros(8, dtype=np.int64))  # OK


def float_logits_to_loss() -> None:
    cross_entropy(rng.integers(0, 3, size=(8, 10)).astype(np.float64), rng.integers(0, 10, size=8))  # OK


def float_vector_unflattened() -> None:
    network = default_network(rng)
    unflatten(flatten(network), like=network)  # OK


def image_batch_of_single_precision() -> None:
    as_image_batch(np.zeros((4, 784), dtype=np.float32))  # OK


def image_batch_of_scaled_uint8() -> None:
    as_image_batch(np.zeros((4, 784), dtype=np.uint8) / 255.0)  # OK


def labels_from_argmax() -> None:
    network = default_network(rng)
    images = as_image_batch(rng.random((4, 784)))
    Batch.of(images).labelled(network.probabilities(images).argmax(axis=1))  # OK


def float32_logits_to_loss() -> None:
    cross_entropy(rng.normal(size=(8, 10)).astype(np.float32), rng.integers(0, 10, size=8))  # OK


def int_images_scaled_into_batch() -> None:
    Batch.of(rng.integers(0, 255, size=(8, 784)) / 255.0).labelled(rng.integers(0, 10, size=8))  # OK
