"""The history of a run: the best epoch chosen on validation, CSV and JSON beside the log, a checkpoint's records checked."""

import csv
import dataclasses
import json
from pathlib import Path

import pytest

from verified_nn.training import EpochRecord, ModelError, best_record, write_history
from verified_nn.training._history import history_json, parse_history

HISTORY = [
    EpochRecord(1, 0.05, 0.9, 0.8, 0.75, 0.7, 0.74, 0.71, 1.5, 0.2),
    EpochRecord(2, 0.025, 0.4, 0.9, 0.85, 0.4, 0.84, 0.41, 1.4, 0.2, 0.5, 0.45, 2, "auto: 0 threads of others"),
]


def test_the_csv_has_a_header_one_row_per_epoch_and_empty_cells_for_what_was_not_measured(tmp_path: Path) -> None:
    write_history(HISTORY, tmp_path / "h.csv", tmp_path / "h.json")
    rows = list(csv.reader((tmp_path / "h.csv").read_text().splitlines()))
    assert rows[0][:3] == ["epoch", "learning_rate", "mean_loss"] and rows[0][-4:] == [
        "validation_verified",
        "test_verified",
        "threads",
        "thread_reason",
    ]
    assert rows[1][0] == "1" and rows[1][-4:] == ["", "", "", ""]
    assert rows[2][-4:] == ["0.5", "0.45", "2", "auto: 0 threads of others"]
    assert [float(cell) for cell in rows[1][1:10]] == [0.05, 0.9, 0.8, 0.75, 0.7, 0.74, 0.71, 1.5, 0.2]
    assert [EpochRecord(**record) for record in json.loads((tmp_path / "h.json").read_text())] == HISTORY


def test_a_checkpoints_history_round_trips_and_forgeries_are_refused() -> None:
    assert parse_history(history_json(HISTORY), "2", "m") == HISTORY
    with pytest.raises(ModelError, match="m: the checkpoint says epoch 3 but records 2"):
        parse_history(history_json(HISTORY), "3", "m")
    with pytest.raises(ModelError, match="m: the checkpoint's history is inconsistent at record 1"):
        parse_history(history_json([HISTORY[1]]), "1", "m")
    with pytest.raises(ModelError, match="m: the checkpoint's history is not a list of epoch records"):
        parse_history('[{"epoch": 1}]', None, "m")
    with pytest.raises(ModelError, match="m: the checkpoint's history is inconsistent at record 2"):
        parse_history(history_json([HISTORY[0], dataclasses.replace(HISTORY[1], thread_reason=2)]), "2", "m")  # type: ignore[arg-type]


def test_the_best_epoch_is_chosen_by_the_verified_fraction_when_there_is_one() -> None:
    certified = [
        EpochRecord(1, 0.1, 0.5, 0.9, 0.99, 0.1, 0.99, 0.1, 1.0, 0.1, 0.30, 0.3),
        EpochRecord(2, 0.1, 0.5, 0.9, 0.90, 0.1, 0.90, 0.1, 1.0, 0.1, 0.60, 0.6),
    ]
    assert best_record(certified, 10_000).epoch == 2 and certified[1].score == 0.60
