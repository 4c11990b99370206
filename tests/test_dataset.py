"""Dataset: any input shape and class count, validated once at construction with one-line errors naming the row."""

from typing import Any

import numpy as np
import pytest

from verified_nn.core import InvalidArgumentError
from verified_nn.data import DataError, Dataset, numbered as numbered_classes
from verified_nn.data._checks import MAX_CLASSES

RNG = np.random.default_rng(0)
TABLE = RNG.normal(size=(12, 5))
LABELS = np.arange(12) % 3


@pytest.mark.parametrize("shape", [(12, 5), (12, 8, 8), (12, 3, 4, 4)])
def test_any_input_shape_and_the_class_count_come_from_the_data(shape: tuple[int, ...]) -> None:
    data = Dataset(RNG.random(shape), LABELS, name="shapes")
    assert data.shape == shape[1:] and data.features == int(np.prod(shape[1:])) and len(data) == 12
    assert data.classes == ("0", "1", "2") and data.labels.dtype == np.int64
    assert data.describe() == f"shapes: 12 examples of shape {shape[1:]}, 3 classes"


def test_named_labels_become_indices_of_the_sorted_names_or_of_the_given_classes() -> None:
    names = np.array(["dog", "cat", "emu"])[LABELS]
    data = Dataset(TABLE, names)
    assert data.classes == ("cat", "dog", "emu") and data.labels[:3].tolist() == [1, 0, 2]
    given = Dataset(TABLE, names, classes=["emu", "dog", "cat"])
    assert given.labels[:3].tolist() == [1, 2, 0]
    counted = Dataset(TABLE, LABELS, classes=5)  # classes absent from the labels are still classes
    assert counted.classes == ("0", "1", "2", "3", "4")


def test_uint8_inputs_are_pixels_taken_as_floats_in_the_unit_interval() -> None:
    pixels = np.array([[0, 51, 255]], dtype=np.uint8).repeat(2, axis=0)
    data = Dataset(pixels, [0, 1])
    assert data.value_range == (0.0, 1.0) and data.inputs.dtype == np.uint8  # stored as given
    np.testing.assert_array_equal(data.take(slice(None), dtype=np.float64)[0], [0.0, 0.2, 1.0])
    assert data.take(np.array([1]), dtype=np.float32).dtype == np.float32
    floats = Dataset(TABLE, LABELS)
    assert floats.take(slice(0, 2), dtype=np.float64) is not None and floats.value_range == (TABLE.min(), TABLE.max())


def test_subsets_share_the_classes_and_batches_cover_every_row_in_order() -> None:
    data = Dataset(TABLE, LABELS, name="t")
    part = data.subset(np.array([3, 7]), name="part")
    assert part.name == "part" and part.classes == data.classes and part.labels.tolist() == [0, 1]
    rows = [labels for _, labels in data.batches(5)]
    assert [len(r) for r in rows] == [5, 5, 2] and np.concatenate(rows).tolist() == LABELS.tolist()


def test_the_content_hash_changes_with_any_value_label_or_class_and_not_otherwise() -> None:
    base = Dataset(TABLE, LABELS).sha256
    assert Dataset(TABLE.copy(), LABELS.copy(), name="other name").sha256 == base
    changed = TABLE.copy()
    changed[4, 2] += 1e-9
    assert Dataset(changed, LABELS).sha256 != base
    assert Dataset(TABLE, np.roll(LABELS, 1)).sha256 != base
    assert Dataset(TABLE, LABELS, classes=4).sha256 != base
    assert Dataset(TABLE.astype(np.float32), LABELS).sha256 != base  # the stored dtype is part of the content


@pytest.mark.parametrize(
    ("inputs", "labels", "message"),
    [
        (np.where(np.arange(60).reshape(12, 5) == 17, np.nan, TABLE), LABELS, r"^mine: row 3, value 2 is nan$"),
        (np.where(np.arange(60).reshape(12, 5) == 9, np.inf, TABLE), LABELS, r"^mine: row 1, value 4 is inf$"),
        (np.full((2, 2, 2), np.nan), [0, 1], r"^mine: row 0, value \(0, 0\) is nan$"),
        # finite in float64, infinite in float32, which every network may compute in
        (
            np.where(np.arange(60).reshape(12, 5) == 13, 1e39, TABLE),
            LABELS,
            r"^mine: row 2, value 3 is 1e\+39, beyond float32's range \(±3.4e\+38\): rescale the features$",
        ),
        (
            np.where(np.arange(60).reshape(12, 5) == 13, -1e300, TABLE),
            LABELS,
            r"^mine: row 2, value 3 is -1e\+300, beyond float32's range",
        ),
        (np.zeros(12), LABELS, r"^mine: inputs of shape \(12,\); expected one row per example"),
        (np.zeros((0, 3)), np.zeros(0, dtype=int), r"^mine: holds no examples$"),
        (np.zeros((12, 0)), LABELS, r"^mine: each example has shape \(0,\), which holds no values$"),
        (np.array([["a", "b"]] * 2), [0, 1], r"^mine: inputs of <U1 values, expected numbers$"),
        (np.zeros((12, 2), dtype=complex), LABELS, r"^mine: inputs of complex128 values, expected numbers$"),
        (TABLE, LABELS[:11], r"^mine: 11 labels for 12 examples$"),
        (TABLE, LABELS.reshape(3, 4), r"^mine: labels of shape \(3, 4\), expected one label per example \(12,\)$"),
        (TABLE, np.where(LABELS == 2, -1, LABELS), r"^mine: row 2: label -1 is negative; class indices start at 0$"),
        (TABLE, LABELS + 0.5, r"^mine: row 0: label 0.5 is not a class index \(a whole number\)$"),
        (  # a code such as a zip code, read as a class index, would make a billion classes (and a 24 GB table)
            TABLE,
            np.where(LABELS == 2, 10**9, LABELS),
            r"^mine: row 2: label 1,000,000,000 makes 1,000,000,001 classes \(integer labels are class indices 0, 1, "
            r"\.\.\.; at most 100,000\), from 3 distinct labels: number the classes from 0, or write the labels as names$",
        ),
    ],
)
def test_bad_data_is_one_line_naming_the_source_and_the_row(inputs: Any, labels: Any, message: str) -> None:
    with pytest.raises(DataError, match=message):
        Dataset(inputs, labels, source="mine")


def test_the_largest_class_index_allowed_makes_that_many_classes() -> None:
    labels = np.where(LABELS == 2, MAX_CLASSES - 1, LABELS)  # the limit itself, no more
    assert len(Dataset(TABLE, labels, name="t").classes) == MAX_CLASSES


def test_labels_outside_the_given_classes_are_refused_naming_the_row_and_the_classes() -> None:
    with pytest.raises(DataError, match=r"^t: row 2: label 2 is outside \[0, 2\), the classes$"):
        Dataset(TABLE, LABELS, classes=2, name="t")
    with pytest.raises(DataError, match=r"^t: row 1: label 'owl' is not one of the classes \(cat, dog\)$"):
        Dataset(TABLE[:2], ["cat", "owl"], classes=["cat", "dog"], name="t")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"classes": 0}, "classes must be at least 1, got 0"),
        ({"classes": ["a", "a", "b"]}, r"classes: the names must differ, got \['a', 'a', 'b'\]"),
        ({"classes": "abc"}, "classes must be a count or a list of class names, got 'abc'"),
        ({"name": ""}, "a dataset name must be 1 to 100 printable characters, got ''"),
        ({"name": "tab\there"}, "a dataset name must be 1 to 100 printable characters"),
    ],
)
def test_bad_arguments_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        Dataset(TABLE, LABELS, **options)


def test_whole_floats_are_labels_and_a_dataset_of_arrays_is_named_so() -> None:
    data = Dataset.from_arrays(TABLE.tolist(), (LABELS * 1.0).tolist())
    assert data.name == "arrays" and data.labels.tolist() == LABELS.tolist()


def test_a_dataset_records_whether_its_labels_were_numbers_or_names() -> None:
    named = Dataset(np.zeros((3, 2)), ["owl", "cat", "owl"], source="t")
    numbers = Dataset(np.zeros((3, 2)), [2.0, 0.0, 1.0], classes=("owl", "emu", "cat"), source="t")
    assert not named.numeric_labels and numbers.numeric_labels
    assert numbers.labels.tolist() == [2, 0, 1] and numbers.classes == ("owl", "emu", "cat")
    assert numbers.subset(np.array([0, 1])).numeric_labels and not named.subset(slice(1)).numeric_labels
    assert numbered_classes(("0", "1", "2")) and not numbered_classes(("1", "0")) and not numbered_classes(("cat",))


def test_feature_names_are_one_string_per_value_of_an_example() -> None:
    data = Dataset(TABLE, LABELS, feature_names=[f" f{i}" for i in range(5)])
    assert data.feature_names == ("f0", "f1", "f2", "f3", "f4") and Dataset(TABLE, LABELS).feature_names is None
    with pytest.raises(DataError, match=r"^data: 4 feature names for 5 values per example$"):
        Dataset(TABLE, LABELS, feature_names=["a"] * 4)
    with pytest.raises(DataError, match=r"^data: feature_names must be a sequence of strings"):
        Dataset(TABLE, LABELS, feature_names="abcde")
    with pytest.raises(DataError, match=r"^data: feature_names must be a sequence of strings"):
        Dataset(TABLE, LABELS, feature_names=[1, 2, 3, 4, 5])  # type: ignore[list-item]
    with pytest.raises(DataError, match=r"^data: the feature name 'a' is given 2 times: name each column once"):
        Dataset(TABLE, LABELS, feature_names=["a", "b", " a", "c", "d"])  # the same once stripped
