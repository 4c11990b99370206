"""Each marked line makes a mistake in a CNN that mypy --strict rejects, naming the sizes."""

from typing import Literal

import numpy as np

from verified_nn.core import Dim
from verified_nn.layers import Conv2D, Dense, Flatten, MaxPool2D, ReLU, Reshape
from verified_nn.network import Network
from verified_nn.training import TrainConfig, train

rng = np.random.default_rng(0)
C1, C3, C16, C32, C64 = Dim[Literal[1]](), Dim[Literal[3]](), Dim[Literal[16]](), Dim[Literal[32]](), Dim[Literal[64]]()
P28, W3136, W800, CLASSES, NINE = (
    Dim[Literal[28]](),
    Dim[Literal[3136]](),
    Dim[Literal[800]](),
    Dim[Literal[10]](),
    Dim[Literal[9]](),
)
image = Network.of(Reshape.to(C1, P28, P28))
first = image.then(Conv2D.init(C32, C1, kernel=5, padding=2, rng=rng)).then(ReLU()).then(MaxPool2D(2))
features = first.then(Conv2D.init(C64, C32, kernel=5, padding=2, rng=rng)).then(ReLU()).then(MaxPool2D(2))
flat = features.then(Flatten.to(W3136))

image.then(Conv2D.init(C32, C3, kernel=5, rng=rng))  # expected error: channels 3 1
first.then(Conv2D.init(C64, C16, kernel=5, rng=rng))  # expected error: channels 16 32
flat.then(Dense.init(CLASSES, W800, rng=rng))  # expected error: flatten 800 3136
narrow = Conv2D.init(C64, C16, kernel=3, rng=rng)
features.then(narrow)  # expected error: channels 16 64
dense800 = Dense.init(CLASSES, W800, rng=rng)
flat.then(dense800)  # expected error: flatten 800 3136
nine = flat.then(Dense.init(NINE, W3136, rng=rng))
