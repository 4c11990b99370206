"""Data augmentation: each training image moved by a random whole-pixel shift, seeded per batch.

A digit shifted by one or two pixels is the same digit; training on such copies teaches the network that
position does not matter, which a dense network cannot learn from the raw images alone. Images are
examples of shape ``(H, W)`` or ``(C, H, W)``, or flat rows of a square image (MNIST's 784 = 28 x 28).
"""

import math
from typing import Any

import numpy as np

from verified_nn.core import InvalidArgumentError


def image_shape(shape: tuple[int, ...]) -> tuple[int, int, int]:
    """``(channels, height, width)`` of examples of ``shape``; InvalidArgumentError if they are not images."""
    if len(shape) == 3:
        return shape[0], shape[1], shape[2]
    if len(shape) == 2:
        return 1, shape[0], shape[1]
    side = math.isqrt(shape[0]) if len(shape) == 1 else 0
    if len(shape) == 1 and side * side == shape[0] and side > 1:
        return 1, side, side
    raise InvalidArgumentError(
        f"shifting needs images: examples of shape (H, W), (C, H, W) or a square number of pixels, got {shape}"
    )


def shift_images(images: np.ndarray[Any, Any], max_shift: int, rng: np.random.Generator) -> np.ndarray[Any, Any]:
    """``images`` ``(batch, *shape)``, each moved by its own random shift in ``[-max_shift, max_shift]`` along
    both axes, the uncovered border filled with 0 (background). One vectorised gather."""
    if max_shift == 0:
        return images
    count = images.shape[0]
    channels, height, width = image_shape(images.shape[1:])
    padded = np.pad(
        images.reshape(count, channels, height, width), ((0, 0), (0, 0), (max_shift, max_shift), (max_shift, max_shift))
    )
    offsets = rng.integers(0, 2 * max_shift + 1, size=(2, count))
    rows = offsets[0][:, None] + np.arange(height)  # (batch, H): which padded rows each image reads
    cols = offsets[1][:, None] + np.arange(width)
    picked = (np.arange(count)[:, None, None, None], np.arange(channels)[None, :, None, None])
    moved: np.ndarray[Any, Any] = padded[(*picked, rows[:, None, :, None], cols[:, None, None, :])]
    return moved.reshape(images.shape)
