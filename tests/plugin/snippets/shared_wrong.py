"""Sizes shared between arguments that disagree: mypy alone solves B = int and accepts them."""

from typing import Literal, TypeVar

import numpy as np
from shapelib import Dense, pair, relu_backward, step

B = TypeVar("B", bound=int)
N = TypeVar("N", bound=int)
rng = np.random.default_rng(0)
images = rng.random((32, 784))
labels = rng.integers(0, 10, size=16)

step(images, labels)  # E: [shape] "step": size B differs between arguments: 32 (images: (32, 784)) and 16 (labels: (16,))
relu_backward(rng.random((3, 4)), rng.random((3, 5)))  # E: [shape] "relu_backward": shape S differs between arguments: (3, 4) (dy) and (3, 5) (x)
pair((images, labels))  # E: [shape] "pair": size B differs between arguments: 32 (batch: (32, 784)) and 16 (batch: (16,))
Dense(rng.random((10, 784)), np.zeros(128))  # E: [shape] "Dense": size O differs between arguments: 10 (weights: (10, 784)) and 128 (bias: (128,))
Dense(rng.random((10, 784)), np.zeros(10)).fit(images, labels)  # E: [shape] "fit" of "Dense": size B differs between arguments: 32 (images: (32, 784)) and 16 (labels: (16,))


def generic(x: np.ndarray[tuple[B, Literal[784]], np.dtype[np.float64]], y: np.ndarray[tuple[N], np.dtype[np.int64]]) -> None:
    """Two different type variables of the caller: equal only to themselves."""
    step(x, y)  # E: [shape] "step": size B differs between arguments: B (images: (B, 784)) and N (labels: (N,))
