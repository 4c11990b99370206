"""The same file, corrected: mypy accepts it."""

from typing import Literal, assert_type

import numpy as np
from shapelib import Dense, forward, forward_batch, step

rng = np.random.default_rng(0)
x = rng.random((64, 784))
W = rng.normal(0.0, 0.01, (128, 784))
b = np.zeros(128)
images = rng.random((64, 784))
labels = rng.integers(0, 10, size=64)

forward(x[0])
forward(rng.random(784))
forward_batch(images * 2.0)
h = x @ W.T
assert_type(h.shape, tuple[Literal[64], Literal[128]])
layer = Dense(W, b)
step(images, labels)
