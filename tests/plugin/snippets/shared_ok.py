"""Sizes shared between arguments through a type variable agree."""

from typing import Literal, TypeVar

import numpy as np
from shapelib import Dense, pair, relu_backward, step

B = TypeVar("B", bound=int)
rng = np.random.default_rng(0)
images = rng.random((32, 784))
labels = rng.integers(0, 10, size=32)

step(images, labels)
step(images, rng.integers(0, 10, size=images.shape[0]))
relu_backward(rng.random((3, 4)), rng.random((3, 4)))
pair((images, labels))
layer = Dense(rng.random((10, 784)), np.zeros(10))
layer.fit(images, labels)


def generic(x: np.ndarray[tuple[B, Literal[784]], np.dtype[np.float64]], y: np.ndarray[tuple[B], np.dtype[np.int64]]) -> None:
    """The caller's own B meets itself."""
    step(x, y)


def unknown(x: np.ndarray[tuple[int, Literal[784]], np.dtype[np.float64]]) -> None:
    """An unknown batch never conflicts."""
    step(x, labels)
