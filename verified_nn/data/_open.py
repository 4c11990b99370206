"""One or two paths as a dataset, whatever their format: what ``--data`` and ``--test-data`` take.

A folder of class subfolders (images); an ``.npz`` (``x``/``y``, or Keras' ``x_train``, ``y_train``,
``x_test``, ``y_test``: then its test part comes with it); a CSV table; a pair of ``.npy`` files or a pair
of IDX files (inputs, then labels). The format is read from the file's first bytes, not trusted to its
name; a file that is none of these is one DataError naming it.
"""

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from ._arrays import has_test_split, read_idx_pair, read_npy, read_npz
from ._csv import read_csv
from ._dataset import Dataset
from ._errors import DataError
from ._files import open_file
from ._folder import read_image_folder
from ._inflate import GZIP_SIGNATURE

FORMS: Final = "a folder of class subfolders, an .npz, a CSV table, or a pair of .npy or IDX files (inputs, labels)"
_NPY: Final = b"\x93NUMPY"
_ZIP: Final = b"PK\x03\x04"


def _kind(path: Path) -> str:
    """ "folder", "npz", "npy", "idx" or "csv", from the file's first bytes (and its name, for text)."""
    if path.is_dir():
        return "folder"
    with open_file(path, limit=1 << 62, what="data file") as handle:  # refuses FIFOs, devices, missing files
        head = handle.read(8)
    if head.startswith(_ZIP):
        return "npz"
    if head.startswith(_NPY):
        return "npy"
    if head.startswith(GZIP_SIGNATURE) or (len(head) >= 4 and head[:2] == b"\0\0" and 1 <= head[3] <= 16):
        return "idx"
    return "csv"


def read_data(
    paths: Sequence[str | Path], *, label_column: str | int | None = None, **options: Any
) -> tuple[Dataset, Dataset | None]:
    """``(data, its test part or None)`` from one path, or from a pair of inputs and labels files.

    ``label_column`` is for CSV tables; ``options`` (``classes``, ``name``) go to the reader. Only an ``.npz``
    with Keras' ``x_test``/``y_test`` has a test part of its own.
    """
    files = [Path(path) for path in paths]
    if not 1 <= len(files) <= 2:
        raise DataError(f"give one data path, or two (inputs and labels); got {len(files)}")
    kinds = [_kind(path) for path in files]
    if label_column is not None and kinds != ["csv"]:
        raise DataError(f"{files[0]}: a label column is for CSV tables; this is {' and '.join(kinds)} data")
    if len(files) == 2:
        if kinds == ["npy", "npy"]:
            return read_npy(files[0], files[1], **options), None
        if kinds == ["idx", "idx"]:
            return read_idx_pair(files[0], files[1], **options), None
        raise DataError(
            f"{files[0]}, {files[1]}: a pair must be two .npy files or two IDX files, got {' and '.join(kinds)}"
        )
    path, kind = files[0], kinds[0]
    if kind in ("npy", "idx"):
        what = ".npy" if kind == "npy" else "IDX"
        raise DataError(f"{path}: an {what} file holds one array: give the inputs and the labels files, in that order")
    if kind == "folder":
        return read_image_folder(path, **options), None
    if kind == "npz":
        if has_test_split(path):
            return read_npz(path, split="train", **options), read_npz(path, split="test", **options)
        return read_npz(path, **options), None
    return read_csv(path, label_column=label_column, **options), None
