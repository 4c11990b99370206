"""What a model file records of the data it was trained and tested on, and reading it back.

A checkpoint's metadata holds the dataset's ``dataset`` name, ``classes`` (names, JSON), ``data_shape`` (one
example's shape, JSON), ``data_range`` (smallest and largest input, JSON), the training and test sets'
sizes and SHA-256 content hashes. ``evaluate``, ``certify``, ``float-check`` and ``predict`` read it to
name classes, to check that data given to them fits, and to say whether it is the data of training.
"""

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from verified_nn.data import DATASETS, Dataset


@dataclasses.dataclass(frozen=True)
class DataRecord:
    """The data a model was trained on, as its file records it (any field may be unknown in older files)."""

    name: str  # "mnist", "digits", ...; "" when unknown
    classes: tuple[str, ...] | None  # class names
    shape: tuple[int, ...] | None  # one example's shape
    value_range: tuple[float, float] | None  # the training inputs' smallest and largest value
    train_sha256: str  # of the training examples ("" when unknown)
    test_sha256: str  # of the test examples ("" when unknown)

    @property
    def built_in(self) -> bool:
        """Whether the data is one of the library's own datasets (it can be loaded by name)."""
        return self.name in DATASETS

    def same_test(self, data: Dataset) -> bool:
        """Whether ``data`` is the test set the model was reported on."""
        return bool(self.test_sha256) and data.sha256 == self.test_sha256


def data_metadata(train: Dataset, test: Dataset | None) -> dict[str, str]:
    """The metadata keys describing a run's data."""
    recorded = {
        "dataset": train.name,
        "classes": json.dumps(list(train.classes)),
        "data_shape": json.dumps(list(train.shape)),
        "data_range": json.dumps(list(train.value_range)),
        "train_sha256": train.sha256,
    }
    if test is not None:
        recorded.update(test_size=str(len(test)), test_sha256=test.sha256)
    return recorded


def _json(metadata: Mapping[str, str], key: str) -> Any:
    try:
        return json.loads(metadata.get(key, "null"))
    except (json.JSONDecodeError, RecursionError):
        return None


def data_record(metadata: Mapping[str, str], classes: int) -> DataRecord:
    """What ``metadata`` says of the data, for a network of ``classes`` classes; unknown or malformed fields
    read as unknown, and class names fall back to a built-in dataset's, then to ``"0"``, ``"1"``, ..."""
    name = metadata.get("dataset", "")
    names = _json(metadata, "classes")
    if not (isinstance(names, list) and len(names) == classes and all(isinstance(n, str) for n in names)):
        spec = DATASETS.get(name)
        names = list(spec.class_names) if spec is not None and len(spec.class_names) == classes else None
    shape = _json(metadata, "data_shape")
    if not (isinstance(shape, list) and all(isinstance(s, int) and s > 0 for s in shape)):
        shape = None
    bounds = _json(metadata, "data_range")
    if not (isinstance(bounds, list) and len(bounds) == 2 and all(isinstance(b, int | float) for b in bounds)):
        bounds = None
    return DataRecord(
        name=name,
        classes=tuple(names) if names is not None else None,
        shape=tuple(shape) if shape is not None else None,
        value_range=(float(bounds[0]), float(bounds[1])) if bounds is not None else None,
        train_sha256=metadata.get("train_sha256", ""),
        test_sha256=metadata.get("test_sha256", ""),
    )
