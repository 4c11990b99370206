"""Arrays as a network's input: one example or a batch, flat or shaped, uint8 0-255 or floats in [0, 1].

Image networks are trained on pixels scaled to [0, 1] (the library divides uint8 inputs by 255
everywhere), so a uint8 image is scaled the same way here, and a float image outside [0, 1] is refused:
it was most likely left in 0-255 or normalised by a mean and standard deviation, and would be classified
wrongly without any error. A network trained on other numbers (a table of features, ``pixels=False``)
takes any finite numbers.
"""

import math
from collections.abc import Sequence
from typing import Any, Final

import numpy as np

from verified_nn.core import INPUT_DIM, InvalidArgumentError, ShapeError, describe

SIDE: Final = 28  # an MNIST image is SIDE x SIDE pixels, INPUT_DIM of them flattened row by row


def example_shapes(shape: Sequence[int], also: Sequence[Sequence[int]] = ()) -> list[tuple[int, ...]]:
    """The shapes one example may come in: ``shape``, flat, ``also``'s, and square when the count is a square."""
    count = math.prod(shape)
    forms = [tuple(shape), (count,), *(tuple(form) for form in also if math.prod(form) == count)]
    side = math.isqrt(count)
    if side > 1 and side * side == count:
        forms.append((side, side))
    return list(dict.fromkeys(forms))


def _as_batch(array: np.ndarray[Any, Any], forms: list[tuple[int, ...]], what: str) -> np.ndarray[Any, Any]:
    """One example -> (1, count); a batch of them -> (n, count); anything else: ShapeError."""
    count = math.prod(forms[0])
    if array.shape in forms:
        return array.reshape(1, count)
    if array.ndim >= 1 and array.shape[1:] in forms:
        return array.reshape(array.shape[0], count)
    ones = " or ".join(str(form) for form in forms)
    batches = " or ".join("(n, " + ", ".join(map(str, form)) + ")" for form in forms)
    raise ShapeError(f"as_model_input: expected one {what} {ones}, or a batch {batches}, got {describe(array)}")


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


def as_model_input(
    values: Any,
    *,
    dtype: Any = np.float32,
    shape: Sequence[int] = (INPUT_DIM,),
    also: Sequence[Sequence[int]] = (),
    pixels: bool = True,
) -> np.ndarray[Any, Any]:
    """A flat batch ``(n, prod(shape))`` in ``dtype`` from examples as users hold them.

    Args:
        values: one example of ``shape`` (or flat, or of a shape in ``also``, or square when its count
            is a square: ``(784,)`` or ``(28, 28)`` for MNIST), which becomes a batch of one, or a batch
            of them; uint8 (0-255, scaled by 1/255), bool (0 or 1), or floats (in [0, 1] for ``pixels``).
        dtype: the dtype of the result (the network's: float32 or float64).
        shape: one example's shape (the network's input shape).
        pixels: whether the network takes pixels in [0, 1] (images); else any finite numbers, integers too.

    Raises:
        ShapeError: another shape, or a dtype that is neither uint8, bool nor float.
        InvalidArgumentError: float pixels outside [0, 1] (the message names the likely cause), or
            integer pixels other than uint8, whose scale is ambiguous; non-finite numbers.
    """
    resolved = np.dtype(dtype)
    if resolved not in (np.float32, np.float64):
        raise InvalidArgumentError(f"as_model_input: dtype must be float32 or float64, got {resolved}")
    array = np.asarray(values)
    batch = _as_batch(array, example_shapes(shape, also), "image" if pixels else "example")
    if array.dtype == np.uint8:  # as the library scales: one multiplication by 1/255 in the target dtype
        scaled: np.ndarray[Any, Any] = np.multiply(batch, np.asarray(1 / 255, dtype=resolved), dtype=resolved)
        return scaled
    if array.dtype == np.bool_:
        return batch.astype(resolved)
    if array.dtype.kind in "iu" and pixels:
        raise InvalidArgumentError(
            f"as_model_input: got {array.dtype} pixels; pass uint8 for 0-255 values "
            f"(.astype(np.uint8)) or floats in [0, 1]"
        )
    if array.dtype.kind not in "iu" and array.dtype not in (np.float16, np.float32, np.float64):
        raise ShapeError(f"as_model_input: expected uint8, bool or float pixels, got {describe(array)}")
    if pixels:
        problem = _float_range_problem(batch)
        if problem is not None:
            raise InvalidArgumentError(f"as_model_input: the network takes pixels in [0, 1], got {problem}")
    elif not np.isfinite(batch).all():
        raise InvalidArgumentError("as_model_input: got values that are NaN or infinite")
    largest = float(np.abs(batch).max()) if batch.size else 0.0
    if largest > float(np.finfo(resolved).max):  # the cast would make it infinite
        raise InvalidArgumentError(
            f"as_model_input: got values up to {largest:g}, beyond {resolved}'s range "
            f"(±{float(np.finfo(resolved).max):.3g}): rescale them as the training data was"
        )
    return batch.astype(resolved)
