"""Run names and their files: safe names, unique defaults, no silent overwrite, one writer per run.

A run named ``NAME`` owns ``OUT/NAME-best.safetensors``, ``OUT/NAME-last.safetensors`` and
``LOGS/NAME.log``. A name is a plain file-name stem (letters, digits, ``.``, ``_``, ``-``), so neither a
name typed by the user nor one read from a checkpoint can point outside the chosen directories. While a
run trains, ``OUT/.NAME.lock`` holds its process id: a second run with that name is refused, and a lock
left by a process that no longer exists is taken over.
"""

import dataclasses
import os
import re
import secrets
from datetime import datetime
from pathlib import Path
from typing import Final

from verified_nn.core import InvalidArgumentError

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

    @classmethod
    def of(cls, name: str, out_dir: str | Path, log_dir: str | Path) -> "RunFiles":
        out, logs = Path(out_dir), Path(log_dir)
        return cls(
            name=name,
            best=out / f"{name}-best.safetensors",
            last=out / f"{name}-last.safetensors",
            log=logs / f"{name}.log",
            lock=out / f".{name}.lock",
        )

    def existing(self) -> list[Path]:
        """The run's files that already exist (a symbolic link counts, even a dangling one)."""
        return [path for path in (self.best, self.last, self.log) if os.path.lexists(path)]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, owned by someone else
    return True


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
                handle = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = _holder(path)
                if holder is not None and _alive(holder):
                    raise InvalidArgumentError(
                        f"run {self.files.name} is being trained by process {holder} (lock {path}); "
                        "choose another --name or wait for it to finish"
                    ) from None
                path.unlink(missing_ok=True)  # left by a process that died: take it over
                continue
            except OSError as error:
                raise InvalidArgumentError(f"{path.parent}: cannot write there ({error.strerror})") from None
            with os.fdopen(handle, "w") as lock:
                lock.write(f"{os.getpid()}\n")
            return self
        raise InvalidArgumentError(f"run {self.files.name}: could not take the lock {path}")

    def __exit__(self, *_: object) -> None:
        self.files.lock.unlink(missing_ok=True)


def _holder(path: Path) -> int | None:
    try:
        text = path.read_text()[:32].strip()
        return int(text) if text.isdigit() else None
    except OSError:
        return None
