"""A dataset as a value: labelled examples of any shape, their classes and a name, validated once when made.

``Dataset(inputs, labels, classes=..., name=...)`` holds ``inputs`` of shape ``(n, *shape)`` (features
``(n, F)``, images ``(n, H, W)`` or ``(n, C, H, W)``) and integer ``labels`` ``(n,)`` in
``[0, len(classes))``. The inputs stay as they were given (a numpy array, or :class:`FileRows` reading a
``.npy`` file on demand); :meth:`Dataset.take` turns rows into a network's floats, uint8 pixels divided by
255 as everywhere in the library. The readers of each file format are the ``from_*`` constructors.
"""

import collections
import dataclasses
import functools
import hashlib
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Final, TypeAlias

import numpy as np
from jaxtyping import Int64

from verified_nn.core import InvalidArgumentError

from ._checks import Where, as_floats, check_inputs, check_labels, chunks, row_name
from ._errors import DataError
from ._rows import FileRows

Rows: TypeAlias = np.ndarray[Any, Any] | FileRows  # (n, *shape): the inputs as stored
RowIndex: TypeAlias = np.ndarray[Any, Any] | slice  # which rows: indices (k,) or a slice
MAX_NAME: Final = 100


def check_name(name: object) -> str:
    """``name`` if it is a usable dataset name (1 to 100 printable characters), else InvalidArgumentError."""
    if not isinstance(name, str) or not 1 <= len(name) <= MAX_NAME or not name.isprintable():
        raise InvalidArgumentError(f"a dataset name must be 1 to {MAX_NAME} printable characters, got {name!r}")
    return name


def _feature_names(names: Sequence[str] | None, features: int, where: str) -> tuple[str, ...] | None:
    """``names`` as a tuple of distinct stripped strings, one per value of an example; DataError naming ``where``
    else."""
    if names is None:
        return None
    if not isinstance(names, Sequence) or isinstance(names, str) or not all(isinstance(n, str) for n in names):
        raise DataError(f"{where}: feature_names must be a sequence of strings, one per value of an example")
    if len(names) != features:
        raise DataError(f"{where}: {len(names)} feature names for {features} values per example")
    stripped = tuple(name.strip() for name in names)
    repeated = next((name for name, count in collections.Counter(stripped).items() if count > 1), None)
    if repeated is not None:
        raise DataError(
            f"{where}: the feature name {repeated!r} is given {stripped.count(repeated)} times: name each column "
            "once (a model checks the columns it is given by their names)"
        )
    return stripped


@dataclasses.dataclass(frozen=True, init=False, eq=False)
class Dataset:
    """Labelled examples: ``inputs`` ``(n, *shape)``, ``labels`` ``(n,)`` int64, and the ``classes``' names."""

    inputs: Rows  # (n, *shape): any real numbers; uint8 means pixels 0..255 (seen by networks in [0, 1])
    labels: Int64[np.ndarray, " n"]  # (n,) class indices in [0, len(classes))
    classes: tuple[str, ...]  # the name of each class, indexed by label
    name: str  # what the dataset is called in logs and model files ("digits", "mnist")
    source: str  # where it came from, for messages (a file, "arrays")
    random_order: bool  # the rows are already in random order (MNIST's are): a validation split may be the last rows
    value_range: tuple[float, float]  # the smallest and largest input value (uint8 as [0, 1])
    numeric_labels: bool  # the labels were given as numbers (class indices), not as class names
    feature_names: tuple[str, ...] | None  # the name of each value of an example, in order (a CSV's header); None

    def __init__(
        self,
        inputs: Any,
        labels: Any,
        *,
        classes: int | Sequence[str] | None = None,
        name: str = "data",
        source: str | None = None,
        random_order: bool = False,
        feature_names: Sequence[str] | None = None,
        _where: Where = row_name,
        _labels_source: str | None = None,
    ) -> None:
        """Validate and hold a dataset; DataError naming ``source`` (or ``name``) and the first bad row.

        Args:
            inputs: ``(n, *shape)`` real numbers (any array-like, or :class:`FileRows`), finite.
            labels: ``(n,)`` class indices (whole numbers >= 0) or class names (strings).
            classes: the number of classes or their names; default: from the labels (``max + 1`` indices,
                or the sorted distinct names).
            name: the dataset's name; source: where it came from (default: the name).
            random_order: whether the rows are known to be in random order (see :func:`holdout`).
            feature_names: the name of each value of an example, in order (a CSV's header gives them): a model
                file records them, and data whose columns are named otherwise is refused for it.
        """
        stored = inputs if isinstance(inputs, FileRows) else np.asarray(inputs)
        where = source if source is not None else check_name(name)
        value_range = check_inputs(stored, where, _where)
        # The labels' own file names their errors, when they come from one (a .npy or IDX pair).
        given = np.asarray(labels)
        indices, names = check_labels(given, len(stored), classes, _labels_source or where, _where)
        numeric = given.dtype.kind in "biuf"
        named = _feature_names(feature_names, math.prod(stored.shape[1:]), where)
        self._set(stored, indices, names, check_name(name), where, random_order, value_range, numeric, named)

    def _set(self, *values: Any) -> None:
        for field, value in zip(dataclasses.fields(self), values, strict=True):
            object.__setattr__(self, field.name, value)

    def _replaced(self, inputs: Rows, labels: np.ndarray[Any, Any], *, name: str | None = None) -> "Dataset":
        """A dataset of some of these rows, not validated again (they were, as part of this one)."""
        made = object.__new__(Dataset)
        made._set(
            inputs,
            labels,
            self.classes,
            name or self.name,
            self.source,
            self.random_order,
            self.value_range,
            self.numeric_labels,
            self.feature_names,
        )
        return made

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def __repr__(self) -> str:
        return f"Dataset({self.describe()})"

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of one example, e.g. ``(64,)`` or ``(8, 8)``."""
        return tuple(int(size) for size in self.inputs.shape[1:])

    @property
    def features(self) -> int:
        """The number of values in one example (the width of a network's flat input)."""
        return math.prod(self.shape)

    def describe(self) -> str:
        """``digits: 1,347 examples of shape (8, 8), 10 classes``."""
        count = len(self.classes)
        return f"{self.name}: {len(self):,} examples of shape {self.shape}, {count} class{'es' if count != 1 else ''}"

    def take(self, rows: RowIndex, *, dtype: Any = np.float32) -> np.ndarray[Any, Any]:
        """The inputs of ``rows`` as ``dtype`` floats ``(k, *shape)``: uint8 pixels scaled by 1/255."""
        return as_floats(np.asarray(self.inputs[rows]), dtype)

    def subset(self, rows: RowIndex, *, name: str | None = None) -> "Dataset":
        """The examples ``rows`` (indices or a slice) as a dataset; a file's rows are not read."""
        if isinstance(self.inputs, FileRows):
            inputs: Rows = self.inputs.subset(rows)
        else:
            inputs = self.inputs[rows]
        return self._replaced(inputs, self.labels[rows], name=name)

    def batches(
        self, size: int, *, dtype: Any = np.float32
    ) -> Iterator[tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]]:
        """``(inputs, labels)`` of consecutive rows, ``size`` at a time, inputs as :meth:`take` gives them."""
        for start in range(0, len(self), size):
            rows = slice(start, start + size)
            yield self.take(rows, dtype=dtype), self.labels[rows]

    @functools.cached_property
    def sha256(self) -> str:
        """The SHA-256 of the content: the example shape, the inputs' dtype and values, the labels, the classes."""
        digest = hashlib.sha256(f"{self.shape}|{np.dtype(self.inputs.dtype).str}|{list(self.classes)}|".encode())
        for start, stop in chunks(len(self), self.features * np.dtype(self.inputs.dtype).itemsize):
            digest.update(np.ascontiguousarray(self.inputs[start:stop]).data)
        digest.update(np.ascontiguousarray(self.labels, dtype="<i8").data)
        return digest.hexdigest()

    @classmethod
    def from_arrays(cls, inputs: Any, labels: Any, **options: Any) -> "Dataset":
        """A dataset of in-memory arrays (anything ``numpy.asarray`` takes); ``options`` as for the constructor."""
        return cls(np.asarray(inputs), np.asarray(labels), **{"name": "arrays", "source": "arrays", **options})

    @classmethod
    def from_npz(cls, path: str | Path, *, split: str | None = None, **options: Any) -> "Dataset":
        """Read an ``.npz``: ``x`` and ``y``, or Keras' ``x_train``, ``y_train``, ``x_test``, ``y_test`` (``split``
        "train" or "test", default "train"). ``options``: ``classes``, ``name`` (default: the file's stem)."""
        from ._arrays import read_npz

        return read_npz(Path(path), split=split, **options)

    @classmethod
    def from_npy(cls, inputs: str | Path, labels: str | Path, **options: Any) -> "Dataset":
        """Read a ``.npy`` of inputs and one of labels. Inputs over 256 MiB (``in_memory=None``) are read from the
        file as batches need them (:class:`FileRows`), so a dataset larger than memory trains in bounded memory."""
        from ._arrays import read_npy

        return read_npy(Path(inputs), Path(labels), **options)

    @classmethod
    def from_csv(cls, path: str | Path, *, label_column: str | int | None = None, **options: Any) -> "Dataset":
        """Read a CSV table: one example per line, one column of labels (a name from the header, or an index);
        the header is detected, and names the features (unless it is pandas' ``0,1,2,...``).
        ``options``: ``classes``, ``name``, ``delimiter``, ``feature_names`` (in place of the header's)."""
        from ._csv import read_csv

        return read_csv(Path(path), label_column=label_column, **options)

    @classmethod
    def from_idx(cls, inputs: str | Path, labels: str | Path, **options: Any) -> "Dataset":
        """Read an IDX file of inputs of any shape ``(n, ...)`` and an IDX file of labels ``(n,)`` (gzip or not)."""
        from ._arrays import read_idx_pair

        return read_idx_pair(Path(inputs), Path(labels), **options)

    @classmethod
    def from_image_folder(cls, path: str | Path, **options: Any) -> "Dataset":
        """Read a folder of images with one subfolder per class (the folder names are the classes); needs
        Pillow (the ``images`` extra). ``options``: ``color`` (None: RGB if any image is in colour), ``name``."""
        from ._folder import read_image_folder

        return read_image_folder(Path(path), **options)
