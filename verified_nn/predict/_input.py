"""Arrays as a network's input: one image or a batch, flat or 28 x 28, uint8 0-255 or floats in [0, 1].

The networks are trained on pixels scaled to [0, 1] (``data.load`` divides the uint8 files by 255), so
a uint8 image is scaled the same way here, and a float image outside [0, 1] is refused: it was most
likely left in 0-255 or normalised by a mean and standard deviation, and would be classified wrongly
without any error.
"""

from typing import Any, Final

import numpy as np

from verified_nn.core import INPUT_DIM, ImageBatch, InvalidArgumentError, ShapeError, as_image_batch, describe

SIDE: Final = 28  # an image is SIDE x SIDE pixels, INPUT_DIM of them flattened row by row


def _as_batch(array: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """(784,) / (28, 28) -> (1, 784); (n, 784) / (n, 28, 28) -> (n, 784); anything else: ShapeError."""
    shape = array.shape
    if shape in ((INPUT_DIM,), (SIDE, SIDE)):
        return array.reshape(1, INPUT_DIM)
    if (array.ndim == 2 and shape[1] == INPUT_DIM) or (array.ndim == 3 and shape[1:] == (SIDE, SIDE)):
        return array.reshape(shape[0], INPUT_DIM)
    raise ShapeError(
        "as_model_input: expected one image (784,) or (28, 28), or a batch (n, 784) or (n, 28, 28), "
        f"got {describe(array)}"
    )


def _float_range_problem(array: np.ndarray[Any, Any]) -> str | None:
    """Why float pixels cannot be the [0, 1] values the network was trained on, or None if they can."""
    if not np.isfinite(array).all():
        return "values that are NaN or infinite"
    low, high = float(array.min()), float(array.max())
    if low < 0:  # negative pixels: most likely standardised, (x - mean) / std
        return f"values from {low:g} to {high:g}: was the image normalised by a mean and std? pass the raw pixels"
    if high > 1:
        hint = "pass uint8, or divide by 255" if high <= 255 else "scale the pixels to [0, 1]"
        return f"values up to {high:g}: {hint}"
    return None


def as_model_input(values: Any, *, dtype: Any = np.float32) -> ImageBatch:
    """A batch ``(n, 784)`` of pixels in [0, 1], in ``dtype``, from images as users hold them.

    Args:
        values: one image, shape ``(784,)`` or ``(28, 28)`` (it becomes a batch of one), or a batch,
            ``(n, 784)`` or ``(n, 28, 28)``; uint8 (0-255, scaled by 1/255), bool (0 or 1), or
            float32/float64 already in [0, 1].
        dtype: the dtype of the result (the network's: float32 or float64).

    Raises:
        ShapeError: another shape, or a dtype that is neither uint8, bool nor float.
        InvalidArgumentError: float pixels outside [0, 1] (the message names the likely cause), or
            integers other than uint8, whose scale is ambiguous.
    """
    resolved = np.dtype(dtype)
    if resolved not in (np.float32, np.float64):
        raise InvalidArgumentError(f"as_model_input: dtype must be float32 or float64, got {resolved}")
    array = np.asarray(values)
    batch = _as_batch(array)
    if array.dtype == np.uint8:  # as data.load scales: one multiplication by 1/255 in the target dtype
        return as_image_batch(np.multiply(batch, np.asarray(1 / 255, dtype=resolved), dtype=resolved))
    if array.dtype == np.bool_:
        return as_image_batch(batch.astype(resolved))
    if array.dtype.kind in "iu":
        raise InvalidArgumentError(
            f"as_model_input: got {array.dtype} pixels; pass uint8 for 0-255 values "
            f"(.astype(np.uint8)) or floats in [0, 1]"
        )
    if array.dtype not in (np.float16, np.float32, np.float64):
        raise ShapeError(f"as_model_input: expected uint8, bool or float pixels, got {describe(array)}")
    problem = _float_range_problem(batch)
    if problem is not None:
        raise InvalidArgumentError(f"as_model_input: the network takes pixels in [0, 1], got {problem}")
    return as_image_batch(batch.astype(resolved))
