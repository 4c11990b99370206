"""Strict option: arrays with a static shape pass; the ways in take anything."""

from typing import Any, Literal

import numpy as np
from shapelib import as_anything, forward, forward_batch, step

rng = np.random.default_rng(0)
forward(rng.random(784))
forward_batch(rng.random((32, 784)))
loaded: np.ndarray[Any, Any] = np.asarray([0.0] * 784)
forward_batch(as_anything(loaded))  # the way in accepts an unknown shape
step(as_anything(loaded), rng.integers(0, 10, size=1))


def annotated(x: np.ndarray[tuple[int, Literal[784]], np.dtype[np.float64]]) -> None:
    forward_batch(x)
