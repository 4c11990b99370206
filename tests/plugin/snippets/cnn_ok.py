"""A typed LeNet: channels chain, the flatten width is declared, and the dense layers fit it."""

from typing import Any, Literal, assert_type

import numpy as np

from verified_nn.core import Dim
from verified_nn.layers import Conv2D, Dense, Flatten, MaxPool2D, ReLU, Reshape
from verified_nn.network import Network

rng = np.random.default_rng(0)
C1, C32, C64 = Dim[Literal[1]](), Dim[Literal[32]](), Dim[Literal[64]]()
lenet = (
    Network.of(Reshape.to(C1, Dim[Literal[28]](), Dim[Literal[28]]()))
    .then(Conv2D.init(C32, C1, kernel=5, padding=2, rng=rng))
    .then(ReLU())
    .then(MaxPool2D(2))
    .then(Conv2D.init(C64, C32, kernel=5, padding=2, rng=rng))
    .then(ReLU())
    .then(MaxPool2D(2))
    .then(Flatten.to(Dim[Literal[3136]]()))
    .then(Dense.init(Dim[Literal[128]](), Dim[Literal[3136]](), rng=rng))
    .then(ReLU())
    .then(Dense.init(Dim[Literal[10]](), Dim[Literal[128]](), rng=rng))
)
assert_type(lenet, Network[tuple[Any, Literal[10]], tuple[Any, Literal[784]]])  # rows of 1*28*28 pixels
