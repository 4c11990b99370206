"""What a model file records of its data, and reading it back, whatever the file holds."""

import json

import numpy as np
import pytest

from verified_nn.core import InvalidArgumentError
from verified_nn.data import Dataset
from verified_nn.training import check_same_columns, data_metadata, data_record

TRAIN = Dataset(np.ones((4, 2, 2), dtype=np.uint8), ["b", "a", "b", "a"], name="mine")
TEST = Dataset(np.zeros((2, 2, 2)), ["a", "b"], classes=TRAIN.classes, name="mine")


def test_the_record_names_the_data_its_shape_classes_range_and_hashes() -> None:
    metadata = data_metadata(TRAIN, TEST)
    assert metadata["dataset"] == "mine" and json.loads(metadata["classes"]) == ["a", "b"]
    assert json.loads(metadata["data_shape"]) == [2, 2] and json.loads(metadata["data_range"]) == [1 / 255, 1 / 255]
    assert metadata["test_size"] == "2" and metadata["test_sha256"] == TEST.sha256
    record = data_record(metadata, 2)
    assert record.classes == ("a", "b") and record.shape == (2, 2) and not record.built_in
    assert record.same_test(TEST) and not record.same_test(TRAIN)


def test_unknown_or_malformed_records_fall_back_to_what_the_network_allows() -> None:
    assert data_record({}, 3).classes is None and data_record({}, 3).shape is None
    assert data_record({"dataset": "fashion-mnist"}, 10).classes[9] == "Ankle boot"  # type: ignore[index]
    forged = {"classes": '["a"]', "data_shape": "[0]", "data_range": '"x"', "dataset": "mnist"}
    record = data_record(forged, 10)  # a class list of the wrong length, a zero size, a range that is no pair
    assert record.classes == tuple("0123456789") and record.shape is None and record.value_range is None
    assert data_record({"classes": "[" * 100_000}, 2).classes is None  # nesting too deep for JSON: unknown


def test_named_features_are_recorded_and_data_named_otherwise_is_refused() -> None:
    named = Dataset(np.ones((2, 3)), [0, 1], name="t", source="t.csv", feature_names=["x", "y", "z"])
    record = data_record(data_metadata(named, None), 2)
    assert record.feature_names == ("x", "y", "z")
    record.check_columns(named, source="m")  # the same names in the same order
    record.check_columns(Dataset(np.ones((2, 3)), [0, 1]), source="m")  # no names: nothing to compare
    swapped = Dataset(np.ones((2, 3)), [0, 1], source="s.csv", feature_names=["x", "z", "y"])
    with pytest.raises(InvalidArgumentError, match=r"^s.csv: its columns are those m was trained on in another order"):
        record.check_columns(swapped, source="m")
    other = Dataset(np.ones((2, 3)), [0, 1], source="o.csv", feature_names=["x", "y", "w"])
    with pytest.raises(
        InvalidArgumentError, match=r"^o.csv: its columns are not those m was trained on: it has no 'z'"
    ):
        record.check_columns(other, source="m")
    assert "feature_names" not in data_metadata(TRAIN, TEST)
    assert data_record(data_metadata(TRAIN, TEST), 2).feature_names is None
    forged = {"feature_names": '["x", "y"]', "data_shape": "[3]"}  # two names for three values: unknown
    assert data_record(forged, 2).feature_names is None
    assert data_record({"feature_names": "[1, 2, 3]"}, 2).feature_names is None


def test_the_columns_message_names_what_is_missing_what_is_new_and_a_difference_of_case() -> None:
    def refusal(names: list[str]) -> str:
        data = Dataset(np.ones((2, len(names))), [0, 1], source="d.csv", feature_names=names)
        with pytest.raises(InvalidArgumentError) as raised:
            check_same_columns(["x", "y", "z"], data, what="those of t.csv")
        return str(raised.value)

    assert refusal(["x", "y", "z", "w"]) == (
        "d.csv: its columns are not those of t.csv: it has 'w' besides; expected 'x', 'y', 'z'"
    )
    assert refusal(
        ["x", "w"]
    ) == "d.csv: its columns are not those of t.csv: it has no 'y', 'z'; it has 'w' besides; " + (
        "expected 'x', 'y', 'z'"
    )
    assert refusal(["X", "Y", "Z"]).startswith("d.csv: its columns are not those of t.csv: the names differ in case")
    named = Dataset(np.ones((2, 3)), [0, 1], feature_names=("x", "y", "z"))
    check_same_columns(["x", "y", "z"], named, what="those of t.csv")  # a list names them as a tuple does
