"""How many threads to run: a number the user fixes, or ``"auto"``, chosen from the machine and the work.

``"auto"`` is decided afresh at each call (the trainer calls once per epoch, passing its previous choice;
certify once per run), from what ``_machine.py`` reads, never oversubscribing the cores:

1. The machine. The run queue is read ``SAMPLES`` times and the median taken: the cores it leaves free.
   When it leaves one core or none, the answer is one thread, without a probe (BLAS threads that wait for
   each other on a busy machine are many times slower than one: ``benchmarks/threads.py``), if the stretch
   since the previous choice (CPU accounting over the last epoch) says the machine was busy too, or, with
   no such account (the first choice, or a stretch too short to account), if it counts more than one
   other thread, or if there is no probe. Otherwise the reading is settled by reading again while the
   probe runs: a busy reading the last epoch contradicts (a command that ran for a moment, or a load that
   has just started), and, with nothing to go by, a single other thread, which on two cores leaves one
   (one moment's reading that sent a whole epoch of the 784-512-512-10 network to one thread cost 3.2 s
   against 1.9 s on two). The probe then tries every core (the count the last stretch left, in the
   first case) against one, and a load that lasts through it still gives one thread.
2. The work. The caller's ``probe`` (one training step, say) is timed on one thread and on the free cores,
   the counts taking turns for ``ROUNDS`` rounds after an untimed one, each timed call straight after an
   untimed one on the same count (as a step of an epoch follows another, so BLAS's threads are awake), and
   the run queue is read after each round; if those readings leave one core, one thread. Each round's time
   on the free cores over its time on one thread is a ratio; their median decides (when it disagrees with
   the previous choice, after a second probe, whose median decides instead). More threads are chosen when
   they save ``gain`` (10%) or more; and kept (hysteresis) when the previous choice was the same count and
   they are still faster at all, so that one noisy probe does not drop a free machine to one thread.
   Without a probe, every free core is used, and so it is when the probe's first call, on one thread, takes
   ``LONG`` (0.2 s) or more (unless the run queue read then leaves fewer cores): work that large is split
   well, and probing it further would cost as much as the work (``certify``'s probe on the ``cnn`` preset,
   a back-substitution over one image, takes about 10 s).

Each choice carries its reason (recorded per epoch in the run's history) and the CPU counters read when it
was made, from which the next choice measures the stretch in between.

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
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Final, Literal, TypeAlias, TypeVar

from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped, unused-ignore]  # ships no types

from . import _machine
from ._errors import InvalidArgumentError
from ._machine import Machine, Usage

T = TypeVar("T")
Threads: TypeAlias = int | Literal["auto"]
AUTO: Final = "auto"
GAIN: Final = 0.1  # more threads must save at least this fraction of a probe's time (to switch up to them)
ROUNDS: Final = 3  # timed rounds of the probe after an untimed one: per count, an untimed call, then a timed one
LONG: Final = 0.2  # seconds: a probe call on one thread this long is not probed further; the free cores are used
SAMPLES: Final = 5  # readings of the run queue before probing, one after the other (each takes ~0.2 ms)


def check_threads(value: object, *, name: str = "threads") -> Threads:
    """``value`` if it is a whole number >= 1 or ``"auto"``; else InvalidArgumentError naming ``name``."""
    if value == AUTO:
        return AUTO
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    raise InvalidArgumentError(f"{name} must be a whole number >= 1 or 'auto', got {value!r}")


@dataclasses.dataclass(frozen=True)
class ThreadChoice:
    """A BLAS thread count and why it was chosen (for the run log)."""

    threads: int  # BLAS threads to run with
    reason: str  # one phrase: "fixed", or what "auto" saw
    usage: Usage | None = dataclasses.field(default=None, compare=False)  # CPU counters when "auto" chose

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


def machine_state(*, samples: int = SAMPLES, since: Usage | None = None) -> Machine:
    """The cores this process may use, the median of ``samples`` readings of the other processes' running
    threads, and the cores they kept busy since the counters ``since`` (a previous choice's)."""
    readings: list[float] = []
    for _ in range(samples):  # no sleep between them: on a busy machine a sleep may last a time slice
        reading = _machine.others_running()
        if reading is None:
            return Machine(cores=_machine.cores(), others=None)
        readings.append(reading)
    recent = _machine.others_between(since, _machine.usage())
    return Machine(cores=_machine.cores(), others=statistics.median(readings), recent=recent)


def _rounds(
    probe: Callable[[], object],
    many: int,
    rounds: int,
    read: Callable[[], float | None],
    *,
    lead: tuple[int, ...] | None = None,
) -> tuple[list[float], list[float]]:
    """Each round's time of ``probe`` on ``many`` threads over its time on one (the counts taking turns), and a
    run-queue reading after each round. An untimed call on each count of ``lead`` (default both) comes first
    (to fill the caches and start BLAS's threads), and each timed call follows an untimed one on the same
    count, as a step of an epoch follows another: BLAS's threads, asleep after a change of count, are awake."""
    ratios, readings = [], []
    for count in (1, many) if lead is None else lead:
        with ThreadChoice(count, "probe").limits():
            probe()
    for _ in range(rounds):
        took = {}
        for count in (1, many):
            with ThreadChoice(count, "probe").limits():
                probe()
                start = time.perf_counter()
                probe()
                took[count] = time.perf_counter() - start
        ratios.append(took[many] / took[1] if took[1] > 0 else 1.0)
        reading = read()
        if reading is not None:
            readings.append(reading)
    return ratios, readings


def _seen(machine: Machine) -> str:
    others = "unknown" if machine.others is None else f"{machine.others:g}"
    where = f"auto: {others} threads of other processes running on {machine.cores} cores"
    if machine.recent is not None:
        where += f", {machine.recent:.2f} cores busy with them since the last choice"
    return where


def _worth_probing(seen: Machine, *, probing: bool) -> int:
    """The threads to use, or with ``probing`` to try: the free cores; when the run queue leaves one, those the
    last stretch left (a momentary reading it contradicts); and, with ``probing`` and no account of the last
    stretch (the first choice, or a short stretch), all of them when the run queue counts a single other
    thread: as often a command running for a moment, which the probe's own readings settle. One: no probe."""
    if seen.free > 1:
        return seen.free
    if seen.free_recently is not None:
        return seen.free_recently
    if probing and seen.others is not None and seen.others <= 1:
        return seen.cores
    return 1


def choose_threads(
    setting: Threads,
    *,
    probe: Callable[[], object] | None = None,
    machine: Machine | None = None,
    previous: ThreadChoice | None = None,
    gain: float = GAIN,
    rounds: int = ROUNDS,
) -> ThreadChoice:
    """The BLAS thread count for the next stretch of work: ``setting`` itself if it is a number, else see the
    module docstring. ``probe`` is a call that does a representative piece of the work and has no effect that
    matters (its result is discarded); ``previous`` is the choice the last stretch ran on (hysteresis, and
    the CPU accounting since it). ``machine`` replaces every reading of the machine (for tests)."""
    checked = check_threads(setting)
    if checked != AUTO:
        return ThreadChoice(int(checked), "fixed")
    seen = machine if machine is not None else machine_state(since=previous.usage if previous else None)
    counters = _machine.usage() if machine is None else None
    where = _seen(seen)
    many = _worth_probing(seen, probing=probe is not None)
    if many == 1:
        return ThreadChoice(1, where, counters)
    if probe is None:
        return ThreadChoice(many, f"{where}, no probe", counters)
    read = _machine.others_running if machine is None else lambda: seen.others
    with ThreadChoice(1, "probe").limits():  # untimed in the rounds' sense: it fills the caches
        start = time.perf_counter()
        probe()
        first = time.perf_counter() - start
    if first >= LONG:  # a product this large is split well; probing it again would cost as much as the work
        reading = read()
        if seen.others is not None and reading is not None:
            during = statistics.median([seen.others, reading])
            if _machine.free_cores(seen.cores, during) < many:
                return ThreadChoice(1, f"{where}, {during:g} running while probing", counters)
        return ThreadChoice(many, f"{where}, a probe took {first:.2f} s on 1 thread: long enough for {many}", counters)
    ratios, readings = _rounds(probe, many, rounds, read, lead=(many,))
    again = previous is not None and previous.threads == many and statistics.median(ratios) > 1 - gain
    if again:  # a probe that disagrees with the last epoch's count is taken once more, and the second decides:
        # BLAS's worker threads spin for a while after the work before the probe (an evaluation on those
        # threads) and slow the first probe's calls on more threads (seen on the cnn preset: 1.05, then 0.7).
        ratios, more = _rounds(probe, many, rounds, read)
        readings += more
    if seen.others is not None and readings:
        during = statistics.median([seen.others, *readings])
        if _machine.free_cores(seen.cores, during) < many:  # a load that lasted through the probe
            return ThreadChoice(1, f"{where}, {during:g} running while probing", counters)
    ratio = statistics.median(ratios)
    timed = f"{where}, a probe on {many} threads took {ratio:.2f} of its time on 1{' (probed twice)' if again else ''}"
    if ratio <= 1 - gain:
        return ThreadChoice(many, timed, counters)
    if previous is not None and previous.threads == many and ratio < 1:
        return ThreadChoice(many, f"{timed} (kept: within the margin)", counters)
    return ThreadChoice(1, timed, counters)
