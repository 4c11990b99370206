"""Validating a dataset once, when it is made: numeric finite inputs, whole labels in range, matching counts.

Every problem is one DataError naming where the data came from and the first offending row (and its
position within the row). Inputs are scanned in chunks, so a dataset read from a file on demand is
checked without being held in memory.
"""

from collections.abc import Callable, Iterator, Sequence
from typing import Any, Final

import numpy as np

from verified_nn.core import InvalidArgumentError

from ._errors import DataError

CHUNK_BYTES: Final = 1 << 26  # 64 MiB of inputs per step of a scan
MAX_CLASSES: Final = 100_000  # integer labels count classes as max + 1: a stray code must not allocate billions
PIXEL_SCALE: Final = 1 / 255  # uint8 inputs are pixel intensities 0..255: the networks see them in [0, 1]

Where = Callable[[int], str]  # row index -> how messages name that row ("row 3", "line 5")


def row_name(row: int) -> str:
    return f"row {row}"


def chunks(count: int, row_bytes: int) -> Iterator[tuple[int, int]]:
    """``(start, stop)`` ranges of rows of about :data:`CHUNK_BYTES` each, covering ``range(count)``."""
    step = max(1, CHUNK_BYTES // max(row_bytes, 1))
    for start in range(0, count, step):
        yield start, min(start + step, count)


def as_floats(rows: np.ndarray[Any, Any], dtype: Any) -> np.ndarray[Any, Any]:
    """``rows`` as ``dtype`` floats: uint8 pixels divided by 255 (one multiplication), anything else cast."""
    target = np.dtype(dtype)
    if rows.dtype == np.uint8:
        scaled: np.ndarray[Any, Any] = np.multiply(rows, np.asarray(PIXEL_SCALE, dtype=target), dtype=target)
        return scaled
    return rows if rows.dtype == target else rows.astype(target)


FLOAT32_MAX: Final = float(np.finfo(np.float32).max)
FLOAT32_BYTES: Final = 4


def _first(mask: np.ndarray[Any, Any]) -> tuple[int, Any, tuple[int, ...]] | None:
    """Where ``mask`` (a block of rows) is first true: ``(row, position within the row, full index)``."""
    if not mask.any():
        return None
    row, *position = (int(i) for i in np.argwhere(mask)[0])
    return row, position[0] if len(position) == 1 else tuple(position), (row, *position)


def check_inputs(inputs: Any, source: str, where: Where = row_name) -> tuple[float, float]:
    """The smallest and largest input value (uint8 scaled to [0, 1]) after checking that ``inputs`` are rows
    of finite real numbers within float32's range; DataError naming ``source`` and the first offending row
    otherwise."""
    dtype = np.dtype(inputs.dtype)
    if dtype.kind not in "biuf":
        raise DataError(f"{source}: inputs of {dtype} values, expected numbers")
    if inputs.ndim < 2:
        raise DataError(
            f"{source}: inputs of shape {tuple(inputs.shape)}; expected one row per example, (n, features) or "
            "(n, height, width): reshape a single feature to (n, 1)"
        )
    count = len(inputs)
    if count == 0:
        raise DataError(f"{source}: holds no examples")
    row_shape = tuple(inputs.shape[1:])
    if 0 in row_shape:
        raise DataError(f"{source}: each example has shape {row_shape}, which holds no values")
    low, high = np.inf, -np.inf
    for start, stop in chunks(count, int(np.prod(row_shape)) * dtype.itemsize):
        block = np.asarray(inputs[start:stop])
        if dtype.kind == "f":
            bad = _first(~np.isfinite(block))
            if bad is not None:
                raise DataError(f"{source}: {where(start + bad[0])}, value {bad[1]} is {block[bad[2]]}")
            # float64 rows: every network may compute in float32, where a larger value would be infinite
            bad = _first(np.abs(block) > FLOAT32_MAX) if dtype.itemsize > FLOAT32_BYTES else None
            if bad is not None:
                raise DataError(
                    f"{source}: {where(start + bad[0])}, value {bad[1]} is {block[bad[2]]:g}, beyond float32's "
                    f"range (±{FLOAT32_MAX:.3g}): rescale the features"
                )
        if block.size:
            low, high = min(low, float(block.min())), max(high, float(block.max()))
    scale = PIXEL_SCALE if dtype == np.uint8 else 1.0
    return low * scale, high * scale


def _names(classes: int | Sequence[str] | None) -> tuple[str, ...] | None:
    if classes is None:
        return None
    if isinstance(classes, int | np.integer) and not isinstance(classes, bool):
        if classes < 1:
            raise InvalidArgumentError(f"classes must be at least 1, got {classes}")
        return tuple(str(label) for label in range(int(classes)))
    if isinstance(classes, str) or not isinstance(classes, Sequence) or not classes:
        raise InvalidArgumentError(f"classes must be a count or a list of class names, got {classes!r}")
    names = tuple(str(name) for name in classes)
    if len(set(names)) != len(names):
        raise InvalidArgumentError(f"classes: the names must differ, got {list(names)}")
    return names


def numbered(classes: Sequence[str]) -> bool:
    """Whether ``classes`` are the names whole-number labels give: ``"0"``, ``"1"``, ... in order."""
    return tuple(classes) == tuple(str(index) for index in range(len(classes)))


def check_labels(
    labels: Any, count: int, classes: int | Sequence[str] | None, source: str, where: Where = row_name
) -> tuple[np.ndarray[Any, Any], tuple[str, ...]]:
    """``(labels as int64 class indices, class names)``; DataError naming ``source`` and the row otherwise.

    Labels are whole numbers (any integer or float type holding whole values) read as class indices, or
    strings read as class names. Without ``classes``, integer labels give ``max + 1`` classes named
    ``"0"``, ``"1"``, ...; names give their sorted distinct values.
    """
    array = np.asarray(labels)
    if array.ndim != 1:
        raise DataError(f"{source}: labels of shape {array.shape}, expected one label per example ({count},)")
    if len(array) != count:
        raise DataError(f"{source}: {len(array)} labels for {count} examples")
    names = _names(classes)
    if array.dtype.kind in "USO":
        return _named(array.astype(str), names, source, where)
    if array.dtype.kind not in "biuf":
        raise DataError(f"{source}: labels of {array.dtype} values, expected class indices or names")
    if array.dtype.kind == "f":
        whole = np.isfinite(array) & (array == np.round(array))
        if not whole.all():
            row = int(np.argmin(whole))
            raise DataError(f"{source}: {where(row)}: label {array[row]} is not a class index (a whole number)")
    if array.size and array.min() < 0:
        row = int(np.argmin(array))
        raise DataError(f"{source}: {where(row)}: label {array[row]:g} is negative; class indices start at 0")
    indices = array.astype(np.int64)
    if names is None:
        if indices.size and indices.max() >= MAX_CLASSES:
            row = int(np.argmax(indices))
            raise DataError(
                f"{source}: {where(row)}: label {indices[row]:,} makes {int(indices[row]) + 1:,} classes "
                f"(integer labels are class indices 0, 1, ...; at most {MAX_CLASSES:,}), from "
                f"{len(np.unique(indices)):,} distinct labels: number the classes from 0, or write the labels as names"
            )
        names = tuple(str(label) for label in range(int(indices.max()) + 1))
    if indices.max() >= len(names):
        row = int(np.argmax(indices >= len(names)))
        raise DataError(f"{source}: {where(row)}: label {indices[row]} is outside [0, {len(names)}), the classes")
    return indices, names


def _named(
    array: np.ndarray[Any, Any], names: tuple[str, ...] | None, source: str, where: Where
) -> tuple[np.ndarray[Any, Any], tuple[str, ...]]:
    if names is None:
        names = tuple(str(name) for name in np.unique(array))
    lookup = {name: index for index, name in enumerate(names)}
    indices = np.fromiter((lookup.get(str(name), -1) for name in array), dtype=np.int64, count=len(array))
    if indices.size and indices.min() < 0:
        row = int(np.argmin(indices))
        shown = ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")
        raise DataError(f"{source}: {where(row)}: label {str(array[row])!r} is not one of the classes ({shown})")
    return indices, names
