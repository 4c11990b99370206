"""A CNN whose flatten width differs from the next dense layer's input, or whose channels do not chain:
with the plugin, mypy names both sizes."""

from typing import Literal

import numpy as np

from verified_nn.core import Dim
from verified_nn.layers import Conv2D, Dense, Flatten, MaxPool2D, ReLU, Reshape
from verified_nn.network import Network

rng = np.random.default_rng(0)
C1, C32, C64 = Dim[Literal[1]](), Dim[Literal[32]](), Dim[Literal[64]]()
features = (
    Network.of(Reshape.to(C1, Dim[Literal[28]](), Dim[Literal[28]]()))
    .then(Conv2D.init(C32, C1, kernel=5, padding=2, rng=rng))
    .then(ReLU())
    .then(MaxPool2D(2))
    .then(Conv2D.init(C64, C32, kernel=5, padding=2, rng=rng))
    .then(ReLU())
    .then(MaxPool2D(2))
)
flat = features.then(Flatten.to(Dim[Literal[3136]]()))

flat.then(Dense.init(Dim[Literal[10]](), Dim[Literal[800]](), rng=rng))  # E: [arg-type] Argument 2 to "init" of "Dense" has incompatible type "Dim[Literal[800]]"; expected "Dim[Literal[3136]]"
dense800 = Dense.init(Dim[Literal[10]](), Dim[Literal[800]](), rng=rng)
flat.then(dense800)  # E: [arg-type] Argument 1 to "then" of "Network" has incompatible type "Dense[Literal[10], Literal[800]]"; expected "Layer[tuple[Any, Literal[10]], tuple[Any, Literal[3136]]]"
features.then(Conv2D.init(C64, C32, kernel=3, rng=rng))  # E: [arg-type] Argument 2 to "init" of "Conv2D" has incompatible type "Dim[Literal[32]]"; expected "Dim[Literal[64]]"
