"""A LeNet-style CNN composed with sizes mypy knows: clean under mypy --strict, and accepted by train."""

from typing import Literal

import numpy as np

from verified_nn.core import Dim
from verified_nn.layers import AvgPool2D, Conv2D, Dense, Flatten, MaxPool2D, ReLU, Reshape, Tanh
from verified_nn.network import Network
from verified_nn.training import TrainConfig, evaluate, train

rng = np.random.default_rng(0)
C1, C32, C64, P28 = Dim[Literal[1]](), Dim[Literal[32]](), Dim[Literal[64]](), Dim[Literal[28]]()
W3136, W128, CLASSES = Dim[Literal[3136]](), Dim[Literal[128]](), Dim[Literal[10]]()

lenet = (
    Network.of(Reshape.to(C1, P28, P28))
    .then(Conv2D.init(C32, C1, kernel=5, padding=2, rng=rng))
    .then(ReLU())
    .then(MaxPool2D(2))
    .then(Conv2D.init(C64, C32, kernel=5, padding=2, rng=rng))
    .then(ReLU())
    .then(MaxPool2D(2))
    .then(Flatten.to(W3136))
    .then(Dense.init(W128, W3136, rng=rng))
    .then(ReLU())
    .then(Dense.init(CLASSES, W128, rng=rng))
)
pooled = Network.of(Reshape.to(C1, P28, P28)).then(Conv2D.init(C32, C1, kernel=3, rng=rng)).then(Tanh())
averaged = pooled.then(AvgPool2D(2)).then(Conv2D.init(C64, C32, kernel=3, rng=rng))
undeclared = averaged.then(Flatten()).then(Dense.init(CLASSES, Dim[Literal[7744]](), rng=rng))


def use(images: np.ndarray[tuple[Literal[64], Literal[784]], np.dtype[np.float32]]) -> None:
    lenet.logits(images)
    evaluate(lenet, images, np.zeros(64, dtype=np.int64))
    train(TrainConfig(conv=(32, 64)), network=lenet)


# Layers built alone, without sizes mypy knows, need no annotation (their shapes are Any).
pool, flatten, reshape = MaxPool2D(2), Flatten(), Reshape((1, 28, 28))
untyped = Network.of(reshape).then(Conv2D.init(8, 1, kernel=3, rng=rng)).then(pool).then(flatten)
