"""The same calls through the library's ways in: each array gets its static shape, checked at run time."""

from typing import Any, Literal

import numpy as np

from verified_nn.core import Dim, as_image_batch, as_labels
from verified_nn.layers import Conv2D, Dense, Flatten, MaxPool2D, ReLU, Reshape
from verified_nn.network import Batch, Network, default_network
from verified_nn.predict import as_model_input

rng = np.random.default_rng(0)
network = default_network(rng)
dense = Dense.init(Dim(128), Dim(784), rng=rng)
rows: list[list[float]] = [[0.0] * 784] * 64
classes: list[int] = [0] * 64
images = rng.random((64, 784))

network.logits(as_image_batch(np.load("images.npy")))
network.predict(as_image_batch(rows))
dense.forward(as_image_batch(rows, dtype=np.float32))
batch = Batch.of(as_image_batch(rows)).labelled(as_labels(classes))
network.loss_and_gradients(batch)
Batch.of(as_image_batch(images)).labelled(as_labels(classes))
Batch.of(images).labelled(rng.integers(0, 10, size=64))
network.then(ReLU())  # a layer that takes any shape is not an unknown one
# as_model_input gives the network's width, and its batch size when the argument's is known
network.logits(as_model_input(rng.random((4, 28, 28))))
network.logits(as_model_input(np.load("images.npy")))
# Sizes a layer's class leaves Any (height and width after a convolution or a pooling, the rank a flatten
# takes) are the layer's choice, checked when the network is built: not unknown either.
C1, C4 = Dim[Literal[1]](), Dim[Literal[4]]()
(
    Network.of(Reshape.to(C1, Dim[Literal[28]](), Dim[Literal[28]]()))
    .then(Conv2D.init(C4, C1, kernel=3, padding=1, rng=rng))
    .then(MaxPool2D(2))
    .then(Flatten.to(Dim[Literal[784]]()))
    .then(Dense.init(Dim[Literal[10]](), Dim[Literal[784]](), rng=rng))
)


def from_a_file(path: str) -> Any:
    return network.probabilities(as_image_batch(np.load(path)))
