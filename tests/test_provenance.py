"""What a model file records of its data, and reading it back, whatever the file holds."""

import json

import numpy as np

from verified_nn.data import Dataset
from verified_nn.training import data_metadata, data_record

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
