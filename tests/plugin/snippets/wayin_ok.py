"""The correct twins of ``wayin_wrong.py``: the ways in keep the argument's batch size, and a size written as
constant arithmetic is its value."""

from typing import Any, Literal, assert_type

import numpy as np

from verified_nn.core import Dim, as_image, as_image_batch, as_labels
from verified_nn.layers import Conv2D, Flatten, MaxPool2D, Reshape
from verified_nn.network import Batch, Network, default_network
from verified_nn.predict import as_model_input

rng = np.random.default_rng(0)
network = default_network(rng)
assert_type(as_image_batch(rng.random((16, 784))), np.ndarray[tuple[Literal[16], Literal[784]], np.dtype[np.floating[Any]]])
assert_type(as_image(rng.random(784)), np.ndarray[tuple[Literal[784]], np.dtype[np.floating[Any]]])
assert_type(as_labels(rng.integers(0, 10, size=16)), np.ndarray[tuple[Literal[16]], np.dtype[np.integer[Any]]])
assert_type(as_labels([1, 2, 3]), np.ndarray[tuple[Literal[3]], np.dtype[np.integer[Any]]])
assert_type(as_model_input(rng.random((28, 28))), np.ndarray[tuple[Literal[1], Literal[784]], np.dtype[np.float32]])
assert_type(as_model_input(rng.random((4, 784))), np.ndarray[tuple[Literal[4], Literal[784]], np.dtype[np.float32]])
as_image_batch(rng.integers(0, 256, size=(4, 784)))  # integers become float64
as_image_batch(np.zeros((4, 784), dtype=np.float16), dtype=np.float32)  # converted as asked
as_image_batch(np.load("images.npy"))  # unknown: checked at run time

images = as_image_batch(rng.random((64, 784)))
labels = as_labels(rng.integers(0, 10, size=64))
Batch.of(images).labelled(labels)
images[labels == 0]
images - images.mean(axis=0)
network.predict(images) == labels
network.probabilities(as_model_input(rng.random((4, 28, 28)))).sum(axis=1) @ rng.random(4)
assert_type(network.logits(images), np.ndarray[tuple[Literal[64], Literal[10]], np.dtype[np.floating[Any]]])

convolved = Network.of(Reshape((1, 28, 28))).then(Conv2D.init(8, 1, kernel=5, rng=rng)).then(MaxPool2D(2))
convolved.then(Flatten.to(Dim(8 * 12 * 12)))
assert_type(Dim(8 * 12 * 12), Dim[Literal[1152]])


def sized(n: int) -> None:
    assert_type(as_labels(rng.integers(0, 10, size=n)), np.ndarray[tuple[Any], np.dtype[np.integer[Any]]])
