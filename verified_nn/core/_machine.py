"""What the thread policy sees of the machine: the other processes' threads running now, and the cores they
kept busy over a past stretch of time.

Two views, because each misses what the other sees. The run queue (``procs_running`` in ``/proc/stat``,
less this process's own running threads) shows who wants a core *now*, including a load that has just
started, but one reading also catches a command that runs for a millisecond: a reading is the median of
several. CPU accounting (the machine's busy time in ``/proc/stat`` less this process's CPU time, over the
wall time between two :class:`Usage` readings) shows what other processes *used* over a whole epoch, which
a momentary process cannot move, but it lags a load that has just started and shrinks a load this process
crowded out. Off Linux neither is readable and both are None.
"""

import contextlib
import dataclasses
import math
import os
import time
from pathlib import Path
from typing import Final

MIN_SPAN: Final = 0.2  # seconds: CPU accounting over a shorter stretch is too coarse to use (10 ms ticks)
# /proc/stat's per-state columns that count as busy: user, nice, system, irq, softirq, steal (not idle, iowait).
_BUSY_COLUMNS: Final = (0, 1, 2, 5, 6, 7)


def cores() -> int:
    """The cores this process may run on."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count() or 1


def free_cores(cores: int, others: float) -> int:
    """Whole cores left to this process by ``others`` cores' worth of other work: rounded half up, at least 1."""
    return max(1, min(cores, math.floor(cores - others + 0.5)))


@dataclasses.dataclass(frozen=True)
class Machine:
    """What the policy sees of the machine at one moment."""

    cores: int  # cores this process may run on
    others: float | None  # threads of other processes running now (None: not measurable here)
    recent: float | None = None  # cores other processes kept busy since the previous choice (None: unknown)

    @property
    def free(self) -> int:
        """Whole cores the run queue leaves to this process now (all of them when it is unreadable)."""
        return self.cores if self.others is None else free_cores(self.cores, self.others)

    @property
    def free_recently(self) -> int | None:
        """Whole cores other processes left to this process since the previous choice (None: unknown)."""
        return None if self.recent is None else free_cores(self.cores, self.recent)


def _stat_lines() -> list[str] | None:
    try:
        return Path("/proc/stat").read_text().splitlines()
    except OSError:
        return None


def _running_everywhere() -> int | None:
    """Threads running or ready to run on the whole machine now, this reader included (None off Linux)."""
    for line in _stat_lines() or ():
        if line.startswith("procs_running "):
            with contextlib.suppress(ValueError):
                return int(line.split()[1])
    return None


def _running_here() -> int:
    """Threads of this process that are running or ready to run now (state ``R`` in their stat files)."""
    running = 0
    for task in Path("/proc/self/task").iterdir():
        with contextlib.suppress(OSError):  # a thread that ended meanwhile
            stat = (task / "stat").read_text()
            running += stat[stat.rindex(")") + 2] == "R"  # the state follows the parenthesised name
    return running


def others_running() -> float | None:
    """Threads of other processes running now: the machine's less this process's (None off Linux). Ours are
    counted before and after the machine's and the larger count taken, so that one of our threads stopping
    in between is not taken for another process."""
    before = _running_here()
    everywhere = _running_everywhere()
    if everywhere is None:
        return None
    return float(max(0, everywhere - max(before, _running_here())))


@dataclasses.dataclass(frozen=True)
class Usage:
    """CPU time counters at one moment."""

    busy: float  # seconds of CPU time the whole machine has spent busy, over all cores and processes
    own: float  # seconds of CPU time this process has spent, over all its threads
    wall: float  # the monotonic clock


def usage() -> Usage | None:
    """The counters now (None off Linux)."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    for line in _stat_lines() or ():
        if line.startswith("cpu "):
            with contextlib.suppress(ValueError, IndexError):
                columns = [int(value) for value in line.split()[1:]]
                busy = sum(columns[index] for index in _BUSY_COLUMNS if index < len(columns)) / ticks
                return Usage(busy=busy, own=time.process_time(), wall=time.monotonic())
    return None


def others_between(before: Usage | None, after: Usage | None) -> float | None:
    """Cores other processes kept busy on average from ``before`` to ``after`` (None: a reading is missing, or
    the stretch is shorter than ``MIN_SPAN``)."""
    if before is None or after is None or after.wall - before.wall < MIN_SPAN:
        return None
    others = (after.busy - before.busy) - (after.own - before.own)
    return max(0.0, others / (after.wall - before.wall))
