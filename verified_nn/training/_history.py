"""A run's history: one record per epoch, the best epoch chosen on validation, and the history as CSV and JSON."""

import csv
import dataclasses
import io
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from verified_nn.files import JSONError, parse_json, write_output

from ._errors import ModelError, TrainingError


@dataclasses.dataclass(frozen=True)
class EpochRecord:
    """What one epoch did."""

    epoch: int  # 1-based
    learning_rate: float  # the schedule's rate for the epoch (after any warm-up, the rate of its steps)
    mean_loss: float  # mean training loss over the epoch's batches
    train_accuracy: float  # on the first train_eval_size training examples, after the epoch (NaN: not measured)
    validation_accuracy: float | None  # on the held-out training examples (None without a validation split)
    validation_loss: float | None  # mean cross-entropy on them
    test_accuracy: float  # on the whole test set, after the epoch: reported, never used to choose (NaN: no test set)
    test_loss: float  # mean cross-entropy on the test set (NaN without a test set)
    train_seconds: float  # time spent in gradient steps
    eval_seconds: float  # time spent evaluating
    # Certified training only: the fraction proven robust at certified_eps by interval bounds (None otherwise).
    validation_verified: float | None = None  # on the validation examples; chooses the best epoch when present
    test_verified: float | None = None  # on the test examples: reported, never used to choose
    threads: int | None = None  # the BLAS threads the epoch ran on (None: not recorded, older checkpoints)
    thread_reason: str | None = None  # why: "fixed", or what "auto" saw (core.choose_threads); None: not recorded

    @property
    def score(self) -> float | None:
        """What the best epoch and early stopping go by: the verified fraction of a certified run, else the
        validation accuracy (None without a validation split)."""
        return self.validation_verified if self.validation_verified is not None else self.validation_accuracy


def best_record(history: Sequence[EpochRecord], validation_size: int = 0) -> EpochRecord:
    """The epoch whose checkpoint is kept as best, chosen on the validation examples only.

    The latest epoch whose validation score (:attr:`EpochRecord.score`) lies within one standard error of
    the highest (``sqrt(p (1 - p) / n)`` for the best score ``p`` on ``n`` examples): differences smaller
    than that are noise, and a later epoch has had its learning rate annealed further. The last epoch
    when there is no validation split.
    """
    scores = [record.score for record in history]
    if any(score is None for score in scores) or validation_size < 1:
        return history[-1]
    top = max(score for score in scores if score is not None)
    margin = math.sqrt(top * (1 - top) / validation_size)
    return [
        record for record, score in zip(history, scores, strict=True) if score is not None and score >= top - margin
    ][-1]


def history_json(history: Sequence[EpochRecord]) -> str:
    """The records as a JSON list of objects (how checkpoints store them)."""
    return json.dumps([dataclasses.asdict(record) for record in history])


def parse_history(text: str | None, epoch: str | None, source: str) -> list[EpochRecord]:
    """The epochs a checkpoint records, validated: complete records for epochs 1, 2, ..., n (n = ``epoch``)."""
    try:
        records = parse_json(text or "")
        history = [EpochRecord(**record) for record in records]
    except (JSONError, TypeError):
        raise ModelError(f"{source}: the checkpoint's history is not a list of epoch records") from None
    names = [field.name for field in dataclasses.fields(EpochRecord) if field.name not in ("epoch", "thread_reason")]
    for index, record in enumerate(history, start=1):
        numbers = [getattr(record, name) for name in names]
        if (
            record.epoch != index
            or not all(value is None or (isinstance(value, int | float) and math.isfinite(value)) for value in numbers)
            or not isinstance(record.thread_reason, str | None)
        ):
            raise ModelError(f"{source}: the checkpoint's history is inconsistent at record {index}")
    if epoch is not None and str(len(history)) != epoch:
        raise ModelError(f"{source}: the checkpoint says epoch {epoch} but records {len(history)}")
    return history


def write_history(history: Sequence[EpochRecord], csv_path: Path, json_path: Path) -> None:
    """The history as a CSV table (one row per epoch, empty cells for absent values) and as JSON, each
    written by :func:`verified_nn.files.write_output` (atomically, never through a link)."""
    names = [field.name for field in dataclasses.fields(EpochRecord)]
    table = io.StringIO()
    writer = csv.writer(table, lineterminator="\n")
    writer.writerow(names)
    for record in history:
        writer.writerow(["" if value is None else _cell(value) for value in dataclasses.astuple(record)])
    write_output(csv_path, table.getvalue().encode(), parents=True)
    records = [dataclasses.asdict(record) for record in history]
    write_output(json_path, (json.dumps(records, indent=1) + "\n").encode(), parents=True)


def _cell(value: Any) -> str:
    return repr(value) if isinstance(value, float) else str(value)


FEW_STEPS = 100  # a run of fewer optimizer steps may end near chance for want of steps alone


def refuse_chance(
    best: EpochRecord, confusion: np.ndarray[Any, Any], kept: Path, *, history: Sequence[EpochRecord], steps: int
) -> None:
    """TrainingError when the chosen epoch is barely better than always answering the most common class:
    below ``c + (1 - c) / 9`` for that class's share ``c`` of the test set (20% for ten balanced classes).
    ``confusion`` is the last epoch's on the test set; ``kept`` the checkpoint the message points to.

    The advice follows the run's ``steps`` optimizer steps and the training loss of ``history``: fewer than
    ``FEW_STEPS`` steps, the loss still falling (or a single epoch) and not above 1.1 times a uniform guess's
    ``ln(classes)``, the run was too short (train longer); otherwise it learned nothing at that rate (a
    smaller ``--lr``: a rate too large leaves the loss high, or flat at ``ln(classes)`` with every hidden
    unit dead, as in the tutorial's ``--lr 5 --clip-norm 5`` run of 1,700 steps)."""
    classes = confusion.shape[0]
    common = float(confusion.sum(axis=1).max() / max(confusion.sum(), 1))
    threshold = common + (1 - common) / 9
    which, score = (
        ("validation", best.validation_accuracy)
        if best.validation_accuracy is not None
        else ("test", best.test_accuracy)
    )
    if score is None or score >= threshold:
        return
    first, last = history[0].mean_loss, history[-1].mean_loss
    falling = last < first or len(history) == 1  # one epoch: no trend to read, only its level
    if steps < FEW_STEPS and falling and last <= 1.1 * math.log(classes):
        advice = (
            f"its training loss was still falling ({first:.4g} to {last:.4g} over {steps:,} optimizer steps): "
            "train longer (more --epochs, or leave --epochs out for the default sized to the data)"
        )
    else:
        advice = (
            "it learned nothing: train again with a smaller --lr (the defaults, --lr 0.05 --momentum 0.9, "
            "train the default network)"
        )
    raise TrainingError(
        f"the run ended near chance: {score:.2%} {which} accuracy over {classes} classes (files kept: {kept}); {advice}"
    )
