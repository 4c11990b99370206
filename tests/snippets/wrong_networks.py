"""Each marked line makes a mistake that mypy --strict rejects, naming both sizes."""

from typing import Literal

import numpy as np

from verified_nn.core import Dim
from verified_nn.layers import Dense, ReLU
from verified_nn.network import Batch, Network
from verified_nn.training import TrainConfig, evaluate, train

rng = np.random.default_rng(0)
PIXELS, HIDDEN, OTHER, CLASSES, NINE = (
    Dim[Literal[784]](),
    Dim[Literal[128]](),
    Dim[Literal[100]](),
    Dim[Literal[10]](),
    Dim[Literal[9]](),
)
first = Dense.init(HIDDEN, PIXELS, rng=rng)
last = Dense.init(CLASSES, OTHER, rng=rng)
net = Network.of(first).then(ReLU()).then(Dense.init(CLASSES, HIDDEN, rng=rng))
nine = Network.of(first).then(ReLU()).then(Dense.init(NINE, HIDDEN, rng=rng))

Network.of(first).then(ReLU()).then(last)  # expected error: composition 10 100 128
Network.of(first).then(ReLU()).then(Dense.init(CLASSES, OTHER, rng=rng))  # expected error: composition 100 128


def data(
    images: np.ndarray[tuple[Literal[64], Literal[784]], np.dtype[np.float32]],
    narrow: np.ndarray[tuple[Literal[64], Literal[100]], np.dtype[np.float32]],
    labels: np.ndarray[tuple[Literal[64]], np.dtype[np.int64]],
    fewer: np.ndarray[tuple[Literal[32]], np.dtype[np.int64]],
) -> None:
    net.logits(narrow)  # expected error: input 100 784
    net.loss_and_gradients(Batch.of(narrow).labelled(labels))  # expected error: input 100 784
    Batch.of(images).labelled(fewer)  # expected error: batch 32 64
