"""A run's files: safe names, unique defaults, no silent overwrite, one writer per run, nothing left by a
refused run, what an interrupted run saved, and what its checkpoints record.

A run named ``NAME`` owns ``OUT/NAME-best.safetensors``, ``OUT/NAME-last.safetensors``, ``LOGS/NAME.log``,
its history ``LOGS/NAME-history.csv`` and ``.json``, and with ``--plot`` ``LOGS/NAME-curves.png`` and
``LOGS/NAME-confusion.png``. A name is a plain file-name stem (letters, digits, ``.``, ``_``, ``-``), so
neither a name typed by the user nor one read from a checkpoint can point outside the chosen directories.
While a run trains, ``OUT/.NAME.lock`` holds its process id and start time: a second run with that name is
refused, and a lock left by a process that no longer exists, or holding anything but a plausible id of a
live process of ours, is taken over. A run that replaces another (``--overwrite``) sets the old one's files
aside and removes them only once it has saved an epoch; until then a failure or an interrupt puts them back.
"""

import contextlib
import dataclasses
import errno
import os
import re
import secrets
import stat
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import verified_nn
from verified_nn.core import InvalidArgumentError
from verified_nn.files import alive, file_kind, plausible_pid, start_time

from ._config import TrainConfig
from ._history import EpochRecord, history_json

NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def check_run_name(name: str, *, source: str = "--name") -> str:
    """``name`` if it is a safe run name, else InvalidArgumentError saying where it came from."""
    if not isinstance(name, str) or not NAME.fullmatch(name) or ".." in name:
        raise InvalidArgumentError(
            f"{source}: run name {name!r} must be 1 to 100 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def default_run_name() -> str:
    """``run-YYYYmmdd-HHMMSS-xxxxxx``: a timestamp and 24 random bits, unique between concurrent starts."""
    return datetime.now().strftime("run-%Y%m%d-%H%M%S-") + secrets.token_hex(3)


@dataclasses.dataclass(frozen=True)
class RunFiles:
    """Where a run writes."""

    name: str
    best: Path
    last: Path
    log: Path
    lock: Path
    history_csv: Path
    history_json: Path
    curves: Path  # --plot: loss and accuracy per epoch
    confusion: Path  # --plot: the last epoch's confusion matrix on the test set

    @classmethod
    def of(cls, name: str, out_dir: str | Path, log_dir: str | Path) -> "RunFiles":
        out, logs = Path(out_dir), Path(log_dir)
        return cls(
            name=name,
            best=out / f"{name}-best.safetensors",
            last=out / f"{name}-last.safetensors",
            log=logs / f"{name}.log",
            lock=out / f".{name}.lock",
            history_csv=logs / f"{name}-history.csv",
            history_json=logs / f"{name}-history.json",
            curves=logs / f"{name}-curves.png",
            confusion=logs / f"{name}-confusion.png",
        )

    def existing(self) -> list[Path]:
        """The run's files that already exist (a symbolic link counts, even a dangling one)."""
        paths = (self.best, self.last, self.log, self.history_csv, self.history_json, self.curves, self.confusion)
        return [path for path in paths if os.path.lexists(path)]


def _looks_like_ours(pid: int) -> bool:
    """Whether process ``pid`` runs Python (verified-nn runs in it); True where ``/proc`` cannot tell."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()[:4096]
    except FileNotFoundError:
        return not Path("/proc/self").exists()  # no /proc at all: trust that it is alive
    except OSError:
        return True
    return b"python" in command.lower() or b"verified" in command.lower()


def _holder(path: Path) -> int | None:
    """The process holding the lock at ``path``, if it is a live process of ours; None for a stale lock.

    The lock must be a regular file (read without following a link or blocking on a FIFO) holding
    ``PID START`` (the process's start time, so a reused id does not count) or, from older versions, a
    bare ``PID``, then accepted only if that process runs Python. A lock holding anything else (0, a
    number beyond ``pid_max``, text) is stale. InvalidArgumentError if something other than a file stands
    in the lock's place.
    """
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    except FileNotFoundError:
        return None
    except OSError as error:
        kind = "a symbolic link" if error.errno == errno.ELOOP else f"unreadable ({error.strerror})"
        raise InvalidArgumentError(f"{path}: the run's lock is {kind}; remove it to train this run") from None
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise InvalidArgumentError(
                f"{path}: the run's lock is {file_kind(status.st_mode)}, not a file; remove it to train this run"
            )
        text = os.read(descriptor, 64).decode("ascii", "replace")
    finally:
        os.close(descriptor)
    parts = text.split()
    if not parts or not parts[0].isascii() or not parts[0].isdigit() or len(parts[0]) > 10:
        return None
    pid = int(parts[0])
    if not plausible_pid(pid) or not alive(pid):
        return None
    if len(parts) > 1 and parts[1].isascii() and parts[1].isdigit():
        return pid if start_time(pid) == int(parts[1]) else None  # another process now has that id
    return pid if _looks_like_ours(pid) else None


class RunLock:
    """An exclusive lock on a run name, held for the life of the run (a context manager)."""

    def __init__(self, files: RunFiles) -> None:
        self.files = files

    def __enter__(self) -> "RunLock":
        path = self.files.lock
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise InvalidArgumentError(
                f"{path.parent}: cannot create the output directory ({error.strerror})"
            ) from None
        for _ in range(2):
            try:
                handle = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
            except FileExistsError:
                holder = _holder(path)
                if holder is not None:
                    raise InvalidArgumentError(
                        f"run {self.files.name} is being trained by process {holder} (lock {path}); "
                        "choose another --name or wait for it to finish"
                    ) from None
                path.unlink(missing_ok=True)  # left by a process that died, or unreadable as a lock: take it over
                continue
            except OSError as error:
                raise InvalidArgumentError(f"{path.parent}: cannot write there ({error.strerror})") from None
            with os.fdopen(handle, "w") as lock:
                started = start_time(os.getpid())
                lock.write(f"{os.getpid()} {started if started is not None else '-'}\n")
            return self
        raise InvalidArgumentError(f"run {self.files.name}: could not take the lock {path}")

    def __exit__(self, *_: object) -> None:
        self.files.lock.unlink(missing_ok=True)


class SetAside:
    """The files of a run being replaced (``--overwrite``), renamed to hidden files beside them
    (``.NAME-best.safetensors.replaced``) until the new run has saved an epoch: :meth:`discard` then removes
    them, and :meth:`restore` puts them back over whatever the new run wrote (a run that fails or is
    interrupted before its first checkpoint replaces nothing). A symbolic link is moved, never followed."""

    def __init__(self, paths: list[Path]) -> None:
        self.moved: list[tuple[Path, Path]] = []
        for path in paths:
            hidden = path.with_name(f".{path.name}.replaced")
            try:
                os.replace(path, hidden)
            except OSError as error:
                self.restore()
                raise InvalidArgumentError(f"{path}: cannot set the old run aside ({error.strerror})") from None
            self.moved.append((path, hidden))

    def discard(self) -> None:
        for _, hidden in self.moved:
            with contextlib.suppress(FileNotFoundError):
                hidden.unlink()
        self.moved = []

    def restore(self) -> None:
        for path, hidden in reversed(self.moved):
            os.replace(hidden, path)
        self.moved = []


def missing(*paths: Path) -> list[Path]:
    """The paths among ``paths`` and their ancestors that do not exist yet, parents first."""
    found: list[Path] = []
    for path in paths:
        for candidate in reversed([path, *path.parents]):
            if not candidate.exists() and candidate not in found:
                found.append(candidate)
    return found


def remove_fresh(fresh: list[Path]) -> None:
    """Remove what a run that failed before saving an epoch created: its log (only its header and the error's
    context) and the directories it made, if empty, so that a refused run leaves nothing behind."""
    for path in reversed(fresh):  # the log before its directory
        with contextlib.suppress(OSError):  # not empty: another run's files
            path.rmdir() if path.is_dir() else path.unlink(missing_ok=True)


class Saved:
    """What a run has saved so far: for the message when it is interrupted or diverges."""

    def __init__(self, files: RunFiles, *, epoch: int | None = None, best: bool = False) -> None:
        self.files = files
        self.epoch = epoch  # the last epoch whose checkpoint is on disk
        self.best = best  # whether this run (or the run it resumes) has written the best checkpoint
        self.started = False  # whether the first epoch has begun: the run's log is worth keeping

    def kept(self) -> str:
        return f"the best model so far is kept in {self.files.best}" if self.best else "no model was saved"

    def interrupted(self) -> str:
        if self.epoch is None:
            return "interrupted before an epoch was completed: nothing was saved"
        return (
            f"interrupted; epoch {self.epoch} is saved in {self.files.last}: "
            f"continue with verified-nn train --resume {self.files.last}"
        )


def checkpoint_metadata(
    config: TrainConfig, record: EpochRecord, history: tuple[EpochRecord, ...], run: str, extra: Mapping[str, str]
) -> dict[str, Any]:
    """What a checkpoint records of the run after ``record``'s epoch: the scores, the configuration (JSON,
    as :meth:`TrainConfig.to_json`, unless ``extra`` gives ``config``), the history, and ``extra`` (the data,
    the objective)."""

    def shown(value: float | None) -> str:
        return "" if value is None or value != value else f"{value:.6f}"  # None or NaN: not measured

    recorded = {
        "run": run,
        "epoch": record.epoch,
        "train_accuracy": shown(record.train_accuracy),
        "validation_accuracy": shown(record.validation_accuracy),
        "test_accuracy": shown(record.test_accuracy),
        "loss": f"{record.mean_loss:.6f}",
        "learning_rate": f"{record.learning_rate:.6g}",
        "seed": config.seed,
        "version": verified_nn.__version__,
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": config.to_json(),
        **extra,
        "history": history_json(history),
    }
    for key in ("validation_verified", "test_verified"):
        value = getattr(record, key)
        if value is not None:
            recorded[key] = shown(value)
    return recorded
