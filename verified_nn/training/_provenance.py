"""What a model file records of the data it was trained and tested on, and reading it back.

A checkpoint's metadata holds the dataset's ``dataset`` name, ``classes`` (names, JSON), ``data_shape`` (one
example's shape, JSON), ``data_range`` (smallest and largest input, JSON), ``feature_names`` (the names of an
example's values when the data named them, as a CSV's header does, JSON), the training and test sets'
sizes and SHA-256 content hashes. ``evaluate``, ``certify``, ``float-check`` and ``predict`` read it to
name classes, to check that data given to them fits, and to say whether it is the data of training.
"""

import dataclasses
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from verified_nn.core import InvalidArgumentError
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
    feature_names: tuple[str, ...] | None = None  # the names of an example's values, in order (None: unknown)

    @property
    def built_in(self) -> bool:
        """Whether the data is one of the library's own datasets (it can be loaded by name)."""
        return self.name in DATASETS

    def same_test(self, data: Dataset) -> bool:
        """Whether ``data`` is the test set the model was reported on."""
        return bool(self.test_sha256) and data.sha256 == self.test_sha256

    def check_columns(self, data: Dataset, *, source: str) -> None:
        """InvalidArgumentError when both the record and ``data`` name an example's values and the names differ
        (a CSV whose columns are in another order than the training data's would be scored on the wrong
        features without a word). ``source`` names the model in the message."""
        check_same_columns(self.feature_names, data, what=f"those {source} was trained on")


def check_same_columns(expected: Sequence[str] | None, data: Dataset, *, what: str) -> None:
    """InvalidArgumentError when ``expected`` and ``data.feature_names`` are both known and differ: whether the
    names are the same in another order (and where they first part), else which are missing and which are
    new; ``what`` says whose names ``expected`` are ("those model.safetensors was trained on", "those of
    train.csv")."""
    given = data.feature_names
    if expected is None or given is None or tuple(expected) == given:
        return
    expected = tuple(expected)
    if sorted(given) == sorted(expected):
        place = next(i for i, (a, b) in enumerate(zip(given, expected, strict=True)) if a != b)
        raise InvalidArgumentError(
            f"{data.source}: its columns are {what} in another order (feature {place + 1} is {given[place]!r} "
            f"where it was {expected[place]!r}): write them in the order {_listed(expected)}"
        )
    present, known = set(given), set(expected)
    missing = [name for name in expected if name not in present]
    extra = [name for name in given if name not in known]
    parts = [f"it has no {_listed(missing)}"] if missing else []
    parts += [f"it has {_listed(extra)} besides"] if extra else []
    if [name.lower() for name in given] == [name.lower() for name in expected]:
        parts = ["the names differ in case"]
    raise InvalidArgumentError(
        f"{data.source}: its columns are not {what}: {'; '.join(parts or ['the same names, repeated otherwise'])}; "
        f"expected {_listed(expected)}"
    )


def _listed(names: Sequence[str], most: int = 8) -> str:
    shown = ", ".join(repr(name) for name in names[:most])
    return shown + (f", ... ({len(names)} in all)" if len(names) > most else "")


def data_metadata(train: Dataset, test: Dataset | None) -> dict[str, str]:
    """The metadata keys describing a run's data."""
    recorded = {
        "dataset": train.name,
        "classes": json.dumps(list(train.classes)),
        "data_shape": json.dumps(list(train.shape)),
        "data_range": json.dumps(list(train.value_range)),
        "train_sha256": train.sha256,
    }
    if train.feature_names is not None:
        recorded["feature_names"] = json.dumps(list(train.feature_names))
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
    named = _json(metadata, "feature_names")
    if not (isinstance(named, list) and all(isinstance(f, str) for f in named)):
        named = None
    if named is not None and shape is not None and len(named) != math.prod(shape):
        named = None
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
        feature_names=tuple(named) if named is not None else None,
    )
