"""Arrays brought into the library's typed world, and its results used: every call is correct."""

import numpy as np

from verified_nn.core import as_image, as_image_batch, as_labels, relu, softmax, tanh
from verified_nn.network import default_network

rng = np.random.default_rng(0)


def image_batch_of_flat_images() -> None:
    as_image_batch(rng.random((16, 28, 28)).reshape(16, 784))  # OK


def image_of_a_flat_grid() -> None:
    as_image(rng.random((28, 28)).ravel())  # OK


def image_of_a_row() -> None:
    as_image(rng.random((4, 784))[0])  # OK


def labels_of_classes() -> None:
    as_labels(np.eye(10, dtype=np.int64)[rng.integers(0, 10, size=16)].argmax(axis=1))  # OK


def image_batch_then_matmul() -> None:
    images = as_image_batch(rng.random((16, 784)))
    images @ rng.random((784, 10))  # OK


def image_as_a_batch_of_one() -> None:
    image = as_image(rng.random(784))
    default_network(rng).logits(image[None, :])  # OK


def relu_result_added() -> None:
    hidden = relu(rng.normal(size=(32, 128)))
    hidden + rng.normal(size=(128, 32)).T  # OK


def tanh_result_matmul() -> None:
    hidden = tanh(rng.normal(size=(32, 128)))
    hidden @ rng.normal(size=(10, 128)).T  # OK


def softmax_rows_against_onehot() -> None:
    probs = softmax(rng.normal(size=(32, 10)))
    probs - np.eye(10)[rng.integers(0, 10, size=32)]  # OK


def logits_used() -> None:
    network = default_network(rng)
    scores = network.logits(as_image_batch(rng.random((4, 784))))  # OK
    scores.T @ rng.random((4, 3))  # OK


def probabilities_summed() -> None:
    network = default_network(rng)
    probs = network.probabilities(as_image_batch(rng.random((4, 784))))  # OK
    probs.sum(axis=0) @ rng.random((10,))  # OK


def predictions_as_onehot() -> None:
    network = default_network(rng)
    predicted = network.predict(as_image_batch(rng.random((4, 784))))  # OK
    np.eye(10)[predicted] @ rng.random((10, 4))  # OK


def images_normalised_per_pixel() -> None:
    images = as_image_batch(rng.random((16, 784)))
    images - images.mean(axis=0)  # OK


def image_batch_of_rows() -> None:
    as_image_batch(rng.random((784, 16)).T)  # OK


def labels_of_a_column() -> None:
    as_labels(rng.integers(0, 10, size=(16, 2))[:, 0])  # OK


def relu_of_batch_plus_bias() -> None:
    relu(rng.normal(size=(16, 64))) + rng.normal(size=64)  # OK


def softmax_of_logits_weighted_per_class() -> None:
    probs = softmax(rng.normal(size=(16, 10)))
    probs * rng.random(10)  # OK


def image_batch_added_to_flat_grid() -> None:
    images = as_image_batch(rng.random((16, 784)))
    images + rng.random((28, 28)).reshape(784)  # OK
