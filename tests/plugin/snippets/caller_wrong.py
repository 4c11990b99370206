"""A new user's file of ordinary numpy code (issue 10): every mistake is a mypy error naming the sizes."""

import numpy as np
from shapelib import Dense, forward, forward_batch, step

rng = np.random.default_rng(0)
x = rng.random((64, 100))
W = rng.normal(0.0, 0.01, (128, 784))
b = np.zeros(128)
images = rng.random((64, 784))
labels = rng.integers(0, 10, size=32)

forward(x[0])  # E: [arg-type] Argument 1 to "forward" has incompatible type "ndarray[tuple[Literal[100]], dtype[float64]]"; expected "ndarray[tuple[Literal[784]], dtype[floating[Any]]]"
forward(rng.random(100))  # E: [arg-type] Argument 1 to "forward" has incompatible type "ndarray[tuple[Literal[100]], dtype[float64]]"; expected "ndarray[tuple[Literal[784]], dtype[floating[Any]]]"
forward_batch(images * 2.0)
forward(images * 2.0)  # E: [arg-type] Argument 1 to "forward" has incompatible type "ndarray[tuple[Literal[64], Literal[784]], dtype[float64]]"; expected "ndarray[tuple[Literal[784]], dtype[floating[Any]]]"
h = x @ W.T  # E: [shape] matmul: inner sizes differ: 100 (x: (64, 100)) and 784 (W.T: (784, 128))
z = images @ W  # E: [shape] matmul: inner sizes differ: 784 (images: (64, 784)) and 128 (W: (128, 784))
layer = Dense(W.T, b)  # E: [shape] "Dense": size O differs between arguments: 784 (weights: (784, 128)) and 128 (bias: (128,))
step(images, labels)  # E: [shape] "step": size B differs between arguments: 64 (images: (64, 784)) and 32 (labels: (32,))
