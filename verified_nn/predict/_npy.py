""".npy files read within ceilings: the header is checked before a byte of the array is read.

A .npy file is a magic string, a version, a header (a Python literal naming the dtype, the order and
the shape) and the array's bytes. The file must be a regular file (a FIFO or device is refused at once)
of at most $VERIFIED_NN_MAX_INPUT_BYTES; the header must name a plain numeric dtype (no objects, so
nothing is unpickled) and the shape of one example or a batch of examples (the network's input shape,
flat or in another form it takes) whose count is within $VERIFIED_NN_MAX_IMAGES; and the file must hold
exactly the bytes the header declares, no fewer, no more.
"""

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np

from verified_nn.core import INPUT_DIM, InvalidArgumentError, ShapeError
from verified_nn.data import DataError, open_file
from verified_nn.files import IMAGES, INPUT_BYTES

SIDE: Final = 28
MNIST_FORMS: Final = ((INPUT_DIM,), (SIDE, SIDE))  # one MNIST image: flat or square
_HEADER_BYTES: Final = 10_000  # numpy's own ceiling on a header


def image_count(shape: tuple[int, ...], forms: Sequence[tuple[int, ...]] = MNIST_FORMS) -> int | None:
    """How many examples an array of ``shape`` holds: 1 for one example (a shape in ``forms``, by default
    ``(784,)`` or ``(28, 28)``), n for a batch ``(n, *form)``; None for any other shape."""
    if shape in forms:
        return 1
    if len(shape) >= 1 and shape[1:] in forms:
        return shape[0]
    return None


def _header(handle: Any, path: Path) -> tuple[tuple[int, ...], bool, np.dtype[Any]]:
    try:
        version = np.lib.format.read_magic(handle)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(handle, max_header_size=_HEADER_BYTES)
        elif version in ((2, 0), (3, 0)):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(handle, max_header_size=_HEADER_BYTES)
        else:
            raise ValueError(f"format version {version[0]}.{version[1]}")
    except (ValueError, SyntaxError, TypeError, OverflowError, EOFError) as error:
        first = (str(error).splitlines() or [type(error).__name__])[0]
        raise InvalidArgumentError(f"{path}: not a numeric .npy array ({first})") from None
    if not isinstance(shape, tuple) or any(not isinstance(size, int) or size < 0 for size in shape):
        raise InvalidArgumentError(f"{path}: not a numeric .npy array (its header declares the shape {shape!r})")
    if dtype.hasobject or dtype.kind not in "biuf" or dtype.subdtype is not None:
        raise InvalidArgumentError(f"{path}: holds {dtype}, not plain numbers (expected uint8 or floats)")
    return tuple(int(size) for size in shape), bool(fortran), dtype


def read_npy(path: str | Path, forms: Sequence[tuple[int, ...]] = MNIST_FORMS) -> np.ndarray[Any, Any]:
    """The array of the .npy file at ``path``, in native byte order: one example of a shape in ``forms`` or a
    batch of them (see the module docstring).

    InvalidArgumentError names the file and the problem (special file, size, header, dtype, count,
    truncation, trailing bytes); ShapeError a shape that is not one image or a batch of images.
    """
    path = Path(path)
    try:
        handle = open_file(path, limit=INPUT_BYTES.value(), what=".npy file")
    except DataError as error:
        raise InvalidArgumentError(str(error)) from None
    with handle:
        shape, fortran, dtype = _header(handle, path)
        count = image_count(shape, forms)
        if count is None:
            shown = ", ".join(str(form) for form in forms)
            raise ShapeError(f"{path}: expected one example {shown} or a batch of them, got {dtype}{list(shape)}")
        problem = IMAGES.over(count, "holds")
        if problem is not None:
            raise InvalidArgumentError(f"{path}: {problem}")
        needed = math.prod(shape) * dtype.itemsize
        held = os.fstat(handle.fileno()).st_size - handle.tell()
        if held != needed:
            which = "truncated" if held < needed else "trailing bytes"
            raise InvalidArgumentError(
                f"{path}: {which}: the header declares {dtype}{list(shape)}, {needed:,} bytes; the file holds {held:,}"
            )
        data = handle.read(needed)
    if len(data) != needed:
        raise InvalidArgumentError(f"{path}: changed while it was read")
    array = np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C")
    return array.astype(dtype.newbyteorder("="), copy=False)  # an array saved on a big-endian machine
