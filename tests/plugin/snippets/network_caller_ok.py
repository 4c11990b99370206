"""The same file, corrected: mypy accepts it."""

from typing import Any, Literal, assert_type

import numpy as np

from verified_nn.core import cross_entropy
from verified_nn.layers import Dense
from verified_nn.network import Batch, default_network

rng = np.random.default_rng(0)
network = default_network(rng)  # 784 -> 128 -> ReLU -> 10
x = rng.random((64, 784))
W = rng.normal(0.0, 0.01, (128, 784))
b = np.zeros(128)
images = rng.random((64, 784))
labels = rng.integers(0, 10, size=64)

network.logits(x[0:1])
assert_type(network.logits(x), np.ndarray[tuple[Literal[64], Literal[10]], np.dtype[np.floating[Any]]])  # the batch size kept
h = x @ W.T
z = images @ W.T
layer = Dense(weights=W, bias=b)
assert_type(layer, Dense[Literal[128], Literal[784]])
batch = Batch.of(images).labelled(labels)
logits, _ = Dense.init(10, 784, rng=rng).forward(images)
assert_type(logits.shape, tuple[Literal[64], Literal[10]])
cross_entropy(logits, labels)
network.loss_and_gradients(batch)
