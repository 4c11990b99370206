"""How many threads to run: a number the user fixes, or ``"auto"``, chosen from the machine and the work.

``"auto"`` is decided afresh at each call (the trainer calls once per epoch, certify once per run). First
the machine: the threads of *other* processes that are running right now (Linux's run queue,
``procs_running`` in ``/proc/stat``, minus this process's own running threads, the median of a few
samples) leave ``cores - others`` cores free, rounded to the nearest whole core; more threads than that
would oversubscribe the cores, and BLAS threads that wait for each other on a busy machine are many times
slower than one thread (``benchmarks/threads.py``). With one free core or none, the answer is one thread.
Otherwise the work decides: the caller's ``probe`` (one training step, say) is timed alternately on one
thread and on every free core, and the larger count is chosen only if it is faster by ``gain`` (10%)
or more; without a probe, every free core is used.

A choice's :meth:`ThreadChoice.limits` sets BLAS's threads and the threads :func:`in_parallel` splits work
over (a convolutional network's two halves of a batch, ``network/_backprop.py``).

Reproducibility: BLAS rounds some products differently on one thread than on two, so a perceptron's run
on ``"auto"`` depends, in its last digits, on how busy the machine was at each epoch (the choice is
recorded per epoch); a convolutional network's does not (its halves run on one BLAS thread each, however
many threads run them). A fixed count (``--threads N``) makes a run, and a resumed run, repeat bit for bit.
"""

import concurrent.futures
import contextlib
import contextvars
import dataclasses
import functools
import math
import os
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Final, Literal, TypeAlias, TypeVar

from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped, unused-ignore]  # ships no types

from ._errors import InvalidArgumentError

T = TypeVar("T")
Threads: TypeAlias = int | Literal["auto"]
AUTO: Final = "auto"
GAIN: Final = 0.1  # more threads must save at least this fraction of a probe's time
ROUNDS: Final = 2  # timed probes per candidate count, after one untimed; the fastest of them counts
SAMPLES: Final = 3  # readings of the run queue, SAMPLE_GAP seconds apart
SAMPLE_GAP: Final = 0.0005


def check_threads(value: object, *, name: str = "threads") -> Threads:
    """``value`` if it is a whole number >= 1 or ``"auto"``; else InvalidArgumentError naming ``name``."""
    if value == AUTO:
        return AUTO
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    raise InvalidArgumentError(f"{name} must be a whole number >= 1 or 'auto', got {value!r}")


@dataclasses.dataclass(frozen=True)
class Machine:
    """What the policy sees of the machine at one moment."""

    cores: int  # cores this process may run on
    others: float | None  # threads of other processes running now (None: not measurable here)

    @property
    def free(self) -> int:
        """Whole cores left to this process: ``cores - others``, rounded half up, at least 1."""
        if self.others is None:
            return self.cores
        return max(1, min(self.cores, math.floor(self.cores - self.others + 0.5)))


@dataclasses.dataclass(frozen=True)
class ThreadChoice:
    """A BLAS thread count and why it was chosen (for the run log)."""

    threads: int  # BLAS threads to run with
    reason: str  # one phrase: "fixed", or what "auto" saw

    @contextlib.contextmanager
    def limits(self) -> Iterator[None]:
        """A context in which BLAS runs on ``threads`` threads and :func:`in_parallel` on as many."""
        token = _WORKERS.set(self.threads)
        try:
            with blas_threads(self.threads):
                yield
        finally:
            _WORKERS.reset(token)


_WORKERS: contextvars.ContextVar[int] = contextvars.ContextVar("verified_nn_workers", default=1)


@functools.cache
def _controller() -> Any:
    """threadpoolctl's view of the loaded thread pools, found once (finding them takes a millisecond)."""
    return ThreadpoolController()


def blas_threads(threads: int) -> contextlib.AbstractContextManager[Any]:
    """A context in which BLAS runs on ``threads`` threads (a few microseconds to enter)."""
    limits: contextlib.AbstractContextManager[Any] = _controller().limit(limits=threads, user_api="blas")
    return limits


def workers() -> int:
    """The threads work may be split over here: those of the innermost :meth:`ThreadChoice.limits`, else 1."""
    return _WORKERS.get()


@functools.cache
def _pool(size: int) -> concurrent.futures.ThreadPoolExecutor:
    return concurrent.futures.ThreadPoolExecutor(max_workers=size, thread_name_prefix="verified-nn")


def in_parallel(calls: Sequence[Callable[[], T]]) -> list[T]:
    """The results of ``calls``, in order; run on :func:`workers` threads, each with one BLAS thread, when that
    is more than one (numpy lets go of the interpreter lock while it computes). The calls must be independent."""
    count = min(workers(), len(calls))
    if count <= 1:
        return [call() for call in calls]
    with blas_threads(1):
        pool = _pool(count - 1)
        futures = [pool.submit(call) for call in calls[1:]]
        first = calls[0]()  # this thread works too
        return [first, *(future.result() for future in futures)]


def _cores() -> int:
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count() or 1


def _running_everywhere() -> int | None:
    """Threads running or ready to run on the whole machine now, this reader included (None off Linux)."""
    try:
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith("procs_running "):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def _running_here() -> int:
    """Threads of this process that are running or ready to run now (state ``R`` in their stat files)."""
    running = 0
    for task in Path("/proc/self/task").iterdir():
        with contextlib.suppress(OSError):  # a thread that ended meanwhile
            stat = (task / "stat").read_text()
            running += stat[stat.rindex(")") + 2] == "R"  # the state follows the parenthesised name
    return running


def machine_state(*, samples: int = SAMPLES) -> Machine:
    """The cores this process may use and the median number of other processes' running threads."""
    counts = []
    for index in range(samples):
        everywhere = _running_everywhere()
        if everywhere is None:
            return Machine(cores=_cores(), others=None)
        counts.append(max(0, everywhere - _running_here()))
        if index + 1 < samples:
            time.sleep(SAMPLE_GAP)
    return Machine(cores=_cores(), others=float(statistics.median(counts)))


def _fastest(probe: Callable[[], object], candidates: tuple[int, ...], rounds: int) -> dict[int, float]:
    """The shortest of ``rounds`` timed calls of ``probe`` on each thread count, the counts taking turns."""
    best = dict.fromkeys(candidates, math.inf)
    for count in candidates:  # warm-up: wakes the BLAS threads, fills the caches
        with ThreadChoice(count, "probe").limits():
            probe()
    for _ in range(rounds):
        for count in candidates:
            with ThreadChoice(count, "probe").limits():
                start = time.perf_counter()
                probe()
                best[count] = min(best[count], time.perf_counter() - start)
    return best


def choose_threads(
    setting: Threads,
    *,
    probe: Callable[[], object] | None = None,
    machine: Machine | None = None,
    gain: float = GAIN,
    rounds: int = ROUNDS,
) -> ThreadChoice:
    """The BLAS thread count for the next stretch of work: ``setting`` itself if it is a number, else see the
    module docstring. ``machine`` replaces the measured state (for tests); ``probe`` is a call that does a
    representative piece of the work and has no effect that matters (its result is discarded)."""
    checked = check_threads(setting)
    if checked != AUTO:
        return ThreadChoice(int(checked), "fixed")
    seen = machine if machine is not None else machine_state()
    others = "unknown" if seen.others is None else f"{seen.others:g}"
    where = f"auto: {others} threads of other processes running on {seen.cores} cores"
    if seen.free == 1:
        return ThreadChoice(1, where)
    if probe is None:
        return ThreadChoice(seen.free, f"{where}, no probe")
    times = _fastest(probe, (1, seen.free), rounds)
    ratio = times[seen.free] / times[1]
    chosen = seen.free if ratio <= 1 - gain else 1
    return ThreadChoice(chosen, f"{where}, a probe on {seen.free} threads took {ratio:.2f} of its time on 1")
