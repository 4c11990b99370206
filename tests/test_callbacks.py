"""Callbacks: early stopping on the validation score, a progress bar only on a terminal, diagnostics, the guard."""

import io
import math

import pytest

from verified_nn.core import InvalidArgumentError
from verified_nn.training import (
    BatchEnd,
    Diagnostics,
    EarlyStopping,
    EpochEnd,
    EpochRecord,
    Guard,
    Progress,
    TrainingError,
)


def _end(epoch: int, validation: float | None, verified: float | None = None) -> EpochEnd:
    record = EpochRecord(epoch, 0.1, 0.5, 0.9, validation, 0.3, 0.8, 0.4, 1.0, 0.1, verified, None)
    return EpochEnd(record, (record,), None, None, None, None)  # type: ignore[arg-type]


def test_early_stopping_waits_patience_epochs_after_the_best_score() -> None:
    stop = EarlyStopping(2)
    scores = [0.5, 0.7, 0.7, 0.69, 0.9, 0.8, 0.85]
    reasons = [stop.on_epoch_end(_end(epoch, score)) for epoch, score in enumerate(scores, start=1)]
    assert reasons[:6] == [
        None,
        None,
        None,
        "early stop: no better validation score in 2 epochs (best 70.00% at epoch 2)",
        None,
        None,
    ]
    assert reasons[6] == "early stop: no better validation score in 2 epochs (best 90.00% at epoch 5)"


def test_a_certified_run_stops_on_its_verified_fraction() -> None:
    stop = EarlyStopping(1)
    assert stop.on_epoch_end(_end(1, 0.99, verified=0.5)) is None
    assert stop.on_epoch_end(_end(2, 0.98, verified=0.6)) is None  # clean accuracy fell, verified rose
    assert stop.on_epoch_end(_end(3, 0.99, verified=0.6)) is not None


def test_early_stopping_needs_a_patience_and_a_validation_split() -> None:
    for patience in (0, -1, 1.5, True):
        with pytest.raises(InvalidArgumentError, match="patience must be an integer >= 1"):
            EarlyStopping(patience)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="needs a validation split"):
        EarlyStopping(3).on_epoch_end(_end(1, None))


def _step(epoch: int, batch: int, loss: float = 0.5, norm: float = 1.0, change: float | None = None) -> BatchEnd:
    return BatchEnd(epoch, batch, 4, 32, loss, norm, 0.05, change, " | eps 0.1" if change else "")


def test_the_progress_bar_is_silent_when_not_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()  # not a terminal
    monkeypatch.setattr("sys.stderr", stream)
    progress = Progress()
    progress.on_train_begin(1, 2, 4, 32)
    for epoch in (1, 2):
        for batch in range(4):
            progress.on_batch_end(_step(epoch, batch))
    progress.on_train_end()
    assert stream.getvalue() == ""


def test_the_progress_bar_shows_the_epoch_throughput_and_time_left_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    monkeypatch.setattr("sys.stderr", stream)
    progress = Progress()
    progress.on_train_begin(3, 4, 4, 32)  # resumed after epoch 2: 8 batches left
    for epoch in (3, 4):
        for batch in range(4):
            progress.on_batch_end(_step(epoch, batch))
    assert progress.bar is not None and stream.getvalue().startswith("\r")  # drawn on the terminal
    line = str(progress.bar)  # what the bar shows now (it redraws at most ten times a second)
    progress.on_train_end()
    assert line.startswith("epoch 4/4: 100%") and "8/8" in line and "batch/s" in line and "<00:00" in line


def test_diagnostic_lines_are_written_for_measured_batches_only() -> None:
    lines: list[str] = []
    diagnostics = Diagnostics(lines.append, 8)
    diagnostics.on_batch_end(_step(2, 0))
    diagnostics.on_batch_end(_step(2, 1, change=0.25))
    assert lines == ["epoch 2/8 | batch 2/4 | loss 0.5000 | grad-norm 1.0000 | param-change 0.2500 | lr 0.05 | eps 0.1"]


@pytest.mark.parametrize(
    ("loss", "norm", "clipping", "problem"),
    [
        (math.nan, 1.0, False, "the loss is nan"),
        (200.0, 1.0, False, "the loss 200 exceeds 100"),
        (1.0, math.inf, True, "the gradient norm is inf"),
        (1.0, 5e3, False, "the gradient norm 5e\\+03 exceeds 1000"),
    ],
)
def test_the_guard_stops_a_diverging_run_saying_what_to_do(
    loss: float, norm: float, clipping: bool, problem: str
) -> None:
    guard = Guard(max_loss=100.0, max_grad_norm=1e3, clipping=clipping, kept=lambda: "no model was saved")
    with pytest.raises(
        TrainingError,
        match=f"^epoch 3, batch 2: {problem}: training diverged at learning rate 0.05; "
        r"lower it \(--lr 0.005\); no model was saved$",
    ):
        guard.on_batch_end(_step(3, 1, loss=loss, norm=norm))


def test_clipped_gradients_may_be_large_but_not_infinite() -> None:
    guard = Guard(max_loss=100.0, max_grad_norm=1e3, clipping=True, kept=lambda: "")
    guard.on_batch_end(_step(1, 0, norm=5e3))  # no error: clipping handles it
