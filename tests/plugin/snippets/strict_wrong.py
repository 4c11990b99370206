"""Strict option: arrays of unknown static shape where the library declares literal sizes."""

from typing import Any

import numpy as np
from shapelib import forward, forward_batch

loaded: np.ndarray[Any, Any] = np.asarray([0.0] * 784)
forward(loaded)  # E: [shape-unknown] "forward": argument "image" has no static shape where (784,) is declared; give it a static shape first (a checked constructor, or an annotation with Literal sizes)
forward_batch(loaded)  # E: [shape-unknown] "forward_batch": argument "images" has no static shape where (?, 784) is declared; give it a static shape first (a checked constructor, or an annotation with Literal sizes)


def untyped(x: Any) -> None:
    forward(x)  # E: [shape-unknown] "forward": argument "image" has no static shape where (784,) is declared; give it a static shape first (a checked constructor, or an annotation with Literal sizes)
