"""Readers of arrays in files: ``.npz`` (Keras' names or ``x``/``y``), a pair of ``.npy`` files, a pair of IDX files.

Each returns a validated :class:`Dataset`. A file is opened only if it is a regular file within the data
limit (:func:`data_limit`), except a ``.npy`` of inputs, which is read on demand when it is large.
"""

import zipfile
from pathlib import Path
from typing import Any, Final

import numpy as np

from verified_nn.core import InvalidArgumentError

from ._dataset import Dataset
from ._errors import DataError
from ._files import open_file
from ._idx import read_idx
from ._limits import LIMIT_VARIABLE, data_limit
from ._rows import FileRows

IN_MEMORY_BYTES: Final = 1 << 28  # a .npy of inputs up to 256 MiB is read whole; a larger one row by row
_KERAS: Final = {"train": ("x_train", "y_train"), "test": ("x_test", "y_test")}


def _keys(names: list[str], split: str | None, path: Path) -> tuple[str, str]:
    """The ``(inputs, labels)`` member names of an .npz for ``split``."""
    present = set(names)
    if {"x_train", "y_train"} <= present:
        chosen = split or "train"
        if chosen not in _KERAS:
            raise InvalidArgumentError(f"split must be train or test, got {split!r}")
        if not set(_KERAS[chosen]) <= present:
            raise DataError(f"{path}: holds x_train and y_train but not {' and '.join(_KERAS[chosen])}")
        return _KERAS[chosen]
    for inputs, labels in (("x", "y"), ("X", "y")):
        if {inputs, labels} <= present:
            if split is not None:
                raise DataError(f"{path}: holds {inputs} and {labels}, no {split} split (split it with a test size)")
            return inputs, labels
    shown = ", ".join(sorted(present)[:8]) or "nothing"
    raise DataError(
        f"{path}: holds {shown}; expected arrays x and y, or x_train, y_train, x_test and y_test (Keras' names)"
    )


def has_test_split(path: Path) -> bool:
    """Whether an ``.npz`` file holds Keras' ``x_test`` and ``y_test``."""
    with open_file(path, limit=data_limit(), what=".npz file") as handle, _archive(handle, path) as archive:
        return {"x_test.npy", "y_test.npy"} <= set(archive.namelist())


def _archive(handle: Any, path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise DataError(f"{path}: not an .npz file (not a zip archive)") from None


def _member(archive: zipfile.ZipFile, key: str, path: Path, limit: int) -> np.ndarray[Any, Any]:
    info = archive.getinfo(f"{key}.npy")
    if info.file_size > limit:
        raise DataError(
            f"{path}: {key} holds {info.file_size:,} bytes, over the limit of {limit:,} (set {LIMIT_VARIABLE} to "
            "raise it, or save the inputs as .npy, which is read as needed)"
        )
    try:
        with archive.open(info) as member:
            array = np.lib.format.read_array(member, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise DataError(f"{path}: {key} is not a numeric array ({reason})") from None
    if not isinstance(array, np.ndarray):
        raise DataError(f"{path}: {key} is not an array")
    return array


def read_npz(path: Path, *, split: str | None = None, name: str | None = None, **options: Any) -> Dataset:
    """The dataset of an ``.npz`` file (see :meth:`Dataset.from_npz`)."""
    limit = data_limit()
    with open_file(path, limit=limit, what=".npz file") as handle, _archive(handle, path) as archive:
        names = [member[:-4] for member in archive.namelist() if member.endswith(".npy")]
        inputs_key, labels_key = _keys(names, split, path)
        inputs = _member(archive, inputs_key, path, limit)
        labels = _member(archive, labels_key, path, limit)
    stem = name or path.stem
    return Dataset(inputs, labels, name=stem, source=f"{path} ({inputs_key}, {labels_key})", **options)


def read_npy(
    inputs: Path, labels: Path, *, name: str | None = None, in_memory: bool | None = None, **options: Any
) -> Dataset:
    """The dataset of a ``.npy`` of inputs and one of labels (see :meth:`Dataset.from_npy`)."""
    rows = FileRows(inputs)
    whole = in_memory if in_memory is not None else rows.nbytes <= IN_MEMORY_BYTES
    label_rows = FileRows(labels, limit=data_limit(), names=True)  # class indices or class names
    stored: Any = rows[:] if whole else rows
    return Dataset(
        stored, label_rows[:], name=name or inputs.stem, source=str(inputs), _labels_source=str(labels), **options
    )


def read_idx_pair(inputs: Path, labels: Path, *, name: str | None = None, **options: Any) -> Dataset:
    """The dataset of an IDX file of inputs ``(n, ...)`` and one of labels ``(n,)`` (see :meth:`Dataset.from_idx`)."""
    values = read_idx(inputs)
    classes = read_idx(labels)
    if values.ndim < 2:
        raise DataError(f"{inputs}: an IDX array of shape {values.shape}; inputs need one row per example (n, ...)")
    if classes.ndim != 1:
        raise DataError(f"{labels}: an IDX array of shape {classes.shape}; labels need one per example (n,)")
    if len(classes) != len(values):
        raise DataError(f"{labels}: {len(classes)} labels for the {len(values)} examples of {inputs.name}")
    folder = inputs.resolve().parent.name  # IDX datasets live in a folder named after them (data/mnist/...)
    return Dataset(
        values, classes, name=name or folder or inputs.stem, source=str(inputs), _labels_source=str(labels), **options
    )
