"""Networks of 2, 3 and 4 layers composed with typed sizes, used the right way: mypy accepts every line."""

from typing import Literal

import numpy as np

from verified_nn.core import ClassDim, Dim, Features, InputDim
from verified_nn.layers import Dense, Dropout, LeakyReLU, ReLU, Tanh
from verified_nn.network import Batch, Network, default_network
from verified_nn.training import TrainConfig, evaluate, train

rng = np.random.default_rng(0)
PIXELS, WIDE, NARROW, CLASSES = Dim[Literal[784]](), Dim[Literal[256]](), Dim[Literal[64]](), Dim[Literal[10]]()

two = Network.of(Dense.init(WIDE, PIXELS, rng=rng)).then(ReLU()).then(Dense.init(CLASSES, WIDE, rng=rng))
three = (
    Network.of(Dense.init(WIDE, PIXELS, rng=rng))
    .then(Tanh())
    .then(Dropout(0.2))
    .then(Dense.init(NARROW, WIDE, rng=rng, scheme="glorot"))
    .then(Tanh())
    .then(Dense.init(CLASSES, NARROW, rng=rng))
)
hidden = Dense.init(NARROW, NARROW, rng=rng)
four = (
    Network.of(Dense.init(NARROW, PIXELS, rng=rng))
    .then(LeakyReLU(0.1))
    .then(hidden)
    .then(LeakyReLU(0.1))
    .then(hidden)
    .then(ReLU())
    .then(Dense.init(CLASSES, NARROW, rng=rng))
)
mnist: Network[Features[ClassDim], Features[InputDim]] = four


def use(
    images: np.ndarray[tuple[Literal[64], Literal[784]], np.dtype[np.float32]],
    labels: np.ndarray[tuple[Literal[64]], np.dtype[np.int64]],
    some_labels: np.ndarray[tuple[int], np.dtype[np.int64]],
) -> float:
    batch = Batch.of(images).labelled(labels)
    loss, grads = three.loss_and_gradients(batch)
    two.logits(images)
    evaluate(default_network(rng), images, labels)
    train(TrainConfig(epochs=1), network=four)
    return loss + float(grads.logits(images).sum())
