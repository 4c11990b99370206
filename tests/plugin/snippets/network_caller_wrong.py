"""A new user's file of ordinary numpy code against the library (issue 10): each mistake is a mypy error."""

import numpy as np

from verified_nn.core import cross_entropy
from verified_nn.layers import Dense
from verified_nn.network import Batch, default_network

rng = np.random.default_rng(0)
network = default_network(rng)  # 784 -> 128 -> ReLU -> 10
x = rng.random((64, 100))
W = rng.normal(0.0, 0.01, (128, 784))
b = np.zeros(128)
images = rng.random((64, 784))
labels = rng.integers(0, 10, size=32)

network.logits(x[0])  # E: [arg-type] Argument 1 to "logits" of "Network" has incompatible type "ndarray[tuple[Literal[100]], dtype[float64]]"; expected "ndarray[tuple[Any, Literal[784]], dtype[Any]]"
network.logits(x)  # E: [arg-type] Argument 1 to "logits" of "Network" has incompatible type "ndarray[tuple[Literal[64], Literal[100]], dtype[float64]]"; expected "ndarray[tuple[Any, Literal[784]], dtype[Any]]"
h = x @ W.T  # E: [shape] matmul: inner sizes differ: 100 (x: (64, 100)) and 784 (W.T: (784, 128))
z = images @ W  # E: [shape] matmul: inner sizes differ: 784 (images: (64, 784)) and 128 (W: (128, 784))
layer = Dense(weights=W.T, bias=b)  # E: [shape] "Dense": size Out differs between arguments: 784 (weights: (784, 128)) and 128 (bias: (128,))
Batch.of(images).labelled(labels)  # E: [arg-type] Argument 1 to "labelled" of "Unlabelled" has incompatible type "ndarray[tuple[Literal[32]], dtype[signedinteger[_64Bit]]]"; expected "ndarray[tuple[Literal[64]], dtype[integer[Any]]]"
logits, _ = Dense.init(10, 784, rng=rng).forward(images)
cross_entropy(logits, labels)  # E: [shape] "cross_entropy": size batch differs between arguments: 64 (logits: (64, 10)) and 32 (labels: (32,))
