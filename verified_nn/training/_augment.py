"""Data augmentation: each training image moved by a random whole-pixel shift, seeded per batch.

A 28 x 28 digit shifted by one or two pixels is the same digit; training on such copies teaches the
network that position does not matter, which a dense network cannot learn from the raw images alone.
"""

from typing import Any, Final

import numpy as np

from verified_nn.core import InvalidArgumentError

SIDE: Final = 28


def shift_images(images: np.ndarray[Any, Any], max_shift: int, rng: np.random.Generator) -> np.ndarray[Any, Any]:
    """``images`` ``(batch, 784)``, each moved by its own random shift in ``[-max_shift, max_shift]``
    along both axes, the uncovered border filled with 0 (background). One vectorised gather."""
    count = images.shape[0]
    if images.ndim != 2 or images.shape[1] != SIDE * SIDE:
        raise InvalidArgumentError(f"shifting needs (batch, {SIDE * SIDE}) images, got {images.shape}")
    if max_shift == 0:
        return images
    padded = np.pad(images.reshape(count, SIDE, SIDE), ((0, 0), (max_shift, max_shift), (max_shift, max_shift)))
    offsets = rng.integers(0, 2 * max_shift + 1, size=(2, count))
    rows = offsets[0][:, None] + np.arange(SIDE)  # (batch, 28): which padded rows each image reads
    cols = offsets[1][:, None] + np.arange(SIDE)
    moved: np.ndarray[Any, Any] = padded[np.arange(count)[:, None, None], rows[:, :, None], cols[:, None, :]]
    return moved.reshape(count, SIDE * SIDE)
