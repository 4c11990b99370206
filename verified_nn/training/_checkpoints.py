"""The trainer's epoch end: the epoch's line in the log, and the best and last checkpoints written."""

import time
from pathlib import Path
from typing import Any, Final

from ._callbacks import Callback, EpochEnd
from ._history import best_record
from ._log import RunLog
from ._models import save_model
from ._prepare import Run
from ._runs import RunFiles, Saved, checkpoint_metadata

SAVE_INTERVAL: Final = 10.0  # seconds between checkpoint writes at the most (and always at the end of a run)


def _threads_text(threads: int | None) -> str:
    """`` | threads 2``: the BLAS threads of an epoch, when recorded."""
    if threads is None:
        return ""
    return f" | threads {threads}"


class Checkpoints(Callback):
    """After each epoch: the epoch's line in the log, and the best and last checkpoints.

    A checkpoint is written when :data:`SAVE_INTERVAL` seconds have passed since the last write, and always
    when the run ends, however it ends (done, stopped early, diverged, interrupted): short epochs do not
    spend their time in fsync, and only a run killed outright (SIGKILL) can lose up to that many seconds.
    """

    def __init__(self, run: Run, files: RunFiles, saved: Saved, log: RunLog) -> None:
        self.run, self.files, self.saved, self.log = run, files, saved, log
        self.pending: dict[Path, tuple[EpochEnd, dict[str, Any]]] = {}
        self.written = time.monotonic()

    def on_epoch_end(self, end: EpochEnd) -> str | None:
        config, record, files = self.run.config, end.record, self.files
        validation_size = len(self.run.data.validation) if self.run.data.validation is not None else 0
        improved = best_record(end.history, validation_size) is record
        metadata = checkpoint_metadata(
            config, record, end.history, files.name, {"train_size": str(len(self.run.data.train)), **self.run.recorded}
        )
        if improved:
            self.pending[files.best] = (end, {**metadata, "kind": "best"})
            self.saved.best = True  # written by the next flush, which every way out of the loop makes
        self.pending[files.last] = (end, {**metadata, "kind": "last"})
        self.saved.epoch = record.epoch
        if time.monotonic() - self.written >= SAVE_INTERVAL:
            self.flush()
        text = f" | val acc {record.validation_accuracy:.2%}" if record.validation_accuracy is not None else ""
        if record.validation_verified is not None:
            text += f" | val verified {record.validation_verified:.2%}"
        text += f" | test acc {record.test_accuracy:.2%}"
        if record.test_verified is not None:
            text += f" | test verified {record.test_verified:.2%}"
        self.log(
            f"epoch {record.epoch}/{config.epochs} | {record.train_seconds:.2f} s{_threads_text(record.threads)} | "
            f"mean loss {record.mean_loss:.4f}"
            f" | train acc {record.train_accuracy:.2%}{text}" + (f" | best, saved {files.best}" if improved else "")
        )
        return None

    def flush(self) -> None:
        """Write the checkpoints not yet on disk."""
        for path, (end, metadata) in self.pending.items():
            save_model(path, end.network, metadata, optimizer=end.optimizer, state=end.state)
        self.pending.clear()
        self.written = time.monotonic()

    def on_train_end(self) -> None:
        self.flush()
