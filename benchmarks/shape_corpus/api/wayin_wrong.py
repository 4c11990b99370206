"""Arrays brought into the library's typed world, and its results used: one mistake per function."""

import numpy as np

from verified_nn.core import as_image, as_image_batch, as_labels, relu, softmax, tanh
from verified_nn.network import default_network

rng = np.random.default_rng(0)


def image_batch_of_grids() -> None:
    as_image_batch(rng.random((16, 28, 28)))  # BUG


def image_of_a_grid() -> None:
    as_image(rng.random((28, 28)))  # BUG


def image_of_a_batch() -> None:
    as_image(rng.random((4, 784)))  # BUG


def labels_of_onehot() -> None:
    as_labels(np.eye(10, dtype=np.int64)[rng.integers(0, 10, size=16)])  # BUG


def image_batch_then_wrong_width() -> None:
    images = as_image_batch(rng.random((16, 784)))
    images @ rng.random((728, 10))  # BUG


def image_then_batch_axis_wrong() -> None:
    image = as_image(rng.random(784))
    default_network(rng).logits(image[:, None])  # BUG


def labels_against_images_of_other_batch() -> None:
    images = as_image_batch(rng.random((16, 784)))
    labels = as_labels(rng.integers(0, 10, size=8))
    images[labels == 0] + images[:8]  # BUG


def relu_result_mixed_up() -> None:
    hidden = relu(rng.normal(size=(32, 128)))
    hidden + rng.normal(size=(128, 32))  # BUG


def tanh_result_wrong_matmul() -> None:
    hidden = tanh(rng.normal(size=(32, 128)))
    hidden @ rng.normal(size=(10, 128))  # BUG


def softmax_rows_against_columns() -> None:
    probs = softmax(rng.normal(size=(32, 10)))
    probs - np.eye(10)[rng.integers(0, 10, size=32)].T  # BUG


def logits_row_as_batch() -> None:
    network = default_network(rng)
    scores = network.logits(as_image_batch(rng.random((4, 784))))
    scores[0] @ rng.random((4, 3))  # BUG


def probabilities_summed_wrong() -> None:
    network = default_network(rng)
    probs = network.probabilities(as_image_batch(rng.random((4, 784))))
    probs.sum(axis=1) @ rng.random((10,))  # BUG


def predictions_as_onehot() -> None:
    network = default_network(rng)
    predicted = network.predict(as_image_batch(rng.random((4, 784))))
    np.eye(10)[predicted] @ rng.random((4, 10))  # BUG


def images_normalised_per_pixel_wrong() -> None:
    images = as_image_batch(rng.random((16, 784)))
    images - images.mean(axis=1)  # BUG


def image_batch_of_columns() -> None:
    as_image_batch(rng.random((784, 16)))  # BUG


def labels_of_a_matrix() -> None:
    as_labels(rng.integers(0, 10, size=(16, 2)))  # BUG


def relu_of_batch_against_bias_of_other_width() -> None:
    relu(rng.normal(size=(16, 64))) + rng.normal(size=32)  # BUG


def softmax_of_logits_against_weights_of_other_classes() -> None:
    probs = softmax(rng.normal(size=(16, 10)))
    probs * rng.random(5)  # BUG


def image_batch_added_to_image_grid() -> None:
    images = as_image_batch(rng.random((16, 784)))
    images + rng.random((28, 28))  # BUG
