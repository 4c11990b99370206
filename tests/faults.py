"""Helpers of the fault tests: a child process under resource limits (a full disk, a memory ceiling, a clock)."""

import os
import resource
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

CHILD_TIMEOUT = 60.0  # seconds; each child takes about one, the margin is for a loaded machine
MEMORY_LIMIT = 1 << 30  # address space of a child that must not blow up memory: the 1 GB


def limits(*, file_size: int | None = None, memory: int | None = None) -> Callable[[], None]:
    """A ``preexec_fn`` setting RLIMIT_FSIZE (a disk that fills at ``file_size`` bytes per file: writes past
    it fail with EFBIG, which Python, ignoring SIGXFSZ, sees as OSError) and RLIMIT_AS (``memory``)."""

    def apply() -> None:
        if file_size is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
        if memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return apply


def run_python(
    code: str,
    *,
    cwd: Path | None = None,
    file_size: int | None = None,
    memory: int | None = None,
    env: dict[str, str] | None = None,
    timeout: float = CHILD_TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -c code`` under the limits; its output as text."""
    environment = {**os.environ, "OPENBLAS_NUM_THREADS": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=environment,
        preexec_fn=limits(file_size=file_size, memory=memory),
    )


def run_command(
    args: Sequence[str | Path],
    *,
    cwd: Path | None = None,
    file_size: int | None = None,
    memory: int | None = MEMORY_LIMIT,
    env: dict[str, str] | None = None,
    timeout: float = CHILD_TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    """Run the installed ``verified-nn`` with ``args`` under the limits (1 GiB of address space by default)."""
    entry = Path(sys.executable).parent / "verified-nn"
    environment = {**os.environ, "OPENBLAS_NUM_THREADS": "1", **(env or {})}
    return subprocess.run(
        [str(entry), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=environment,
        preexec_fn=limits(file_size=file_size, memory=memory),
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single ``verified-nn: error: ...`` line of a refused command (asserting there is one, no traceback)."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.endswith("\n"), result.stderr
    assert result.stderr.startswith("verified-nn: error: "), result.stderr
    return result.stderr.rstrip("\n")


def killed_by(result: subprocess.CompletedProcess[str], signum: int = signal.SIGKILL) -> bool:
    return result.returncode == -signum


def dead_pid() -> int:
    """The id of a process that has exited (a child, waited for)."""
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(child.stdout)
