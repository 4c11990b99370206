"""Interleaved epochs, each candidate in its own process, with the machine's load accounted for: what
epoch.py and cnn.py share.

A candidate is a *factory*: a picklable call (a module-level function, or ``functools.partial`` of one)
that builds, in the process it is called in, a function running one numbered epoch and returning the BLAS
(or OpenMP) threads it ran on. Each candidate runs in a process of its own (started with ``spawn``), as
each library runs in a user's program: two libraries' thread pools in one process disturb each other.
Measured on 784-128-10 with PyTorch 2.14.1 in the same process, after its one-thread epochs (which set its
threads to 1 and back), verified-nn's epoch on two BLAS threads took 0.487 s against 0.377 s with no
PyTorch in the process, and PyTorch's own default epoch 0.810 s against 0.735 s.

After one warm-up epoch each, the candidates take turns, epoch by epoch, so that a change in the
machine's load falls on all of them alike. For every epoch the wall-clock time and the candidate
process's CPU time (both measured in that process) and the CPU time that *other* processes took meanwhile
(all cores' busy time in ``/proc/stat`` less the candidate's and this process's own) are kept; the load
average is printed before and after. A ratio between two candidates is marked when other processes'
load, in cores, differed by more than one between the timed epochs: such a ratio says more about the
machine than about the code. (The load average itself counts the candidates' threads, so it rises during
any run; it is printed, not used to judge.) Each timed epoch starts after an untimed pause of ``SETTLE``
seconds, in which the threads the previous candidate left idle stop spinning (OpenMP's after PyTorch's
epochs, BLAS's after ours) on the cores the next candidate needs.
"""

import contextlib
import dataclasses
import functools
import multiprocessing
import os
import statistics
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np

from verified_nn.core import ThreadChoice, Threads, _machine, choose_threads

Epoch = Callable[[int], int]  # runs epoch ``number``; returns the threads it ran on
Factory = Callable[[], Epoch]  # picklable: builds a candidate's Epoch in the process that calls it
SETTLE = 0.1  # seconds between epochs, untimed


@dataclasses.dataclass
class Threading:
    """A candidate's BLAS thread counts, chosen as the trainer chooses them: the first before its first epoch,
    each next one straight after an epoch, from the CPU accounting of that epoch alone. Chosen when the next
    epoch starts, the account would span the other candidates' epochs, run in between, as a load on this
    one's machine (it made ``auto`` run whole epochs on one thread on a quiet machine); in the trainer
    nothing else of its own runs between two epochs. With ``reasons`` each choice and why is printed."""

    setting: Threads
    reasons: bool = False
    choice: ThreadChoice | None = None

    def run(self, number: int, probe: Callable[[], Callable[[], object]], work: Callable[[], None]) -> int:
        """Run ``work`` (epoch ``number``) on the chosen threads and choose the next count; the threads it ran
        on. ``probe()`` gives the probe of the current parameters (a step of this candidate's training)."""
        if self.choice is None:
            self.choice = choose_threads(self.setting, probe=probe())
        ran = dataclasses.replace(self.choice, usage=_machine.usage())  # the stretch the next choice accounts for
        with ran.limits():
            work()
        self.choice = choose_threads(self.setting, probe=probe(), previous=ran)
        if self.reasons:
            print(f"    epoch {number}: {ran.threads} ({ran.reason}); next: {self.choice.reason}", flush=True)
        return ran.threads


def _busy_seconds() -> float | None:
    """CPU seconds all cores have spent busy since boot (None where ``/proc/stat`` is missing)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()
    except OSError:
        return None
    ticks = [int(value) for value in fields[1:9]]  # user nice system idle iowait irq softirq steal
    busy = sum(ticks) - ticks[3] - ticks[4]
    return busy / os.sysconf("SC_CLK_TCK")


@dataclasses.dataclass
class Epochs:
    """The timed epochs of one candidate."""

    wall: list[float] = dataclasses.field(default_factory=list)  # seconds
    cpu: list[float] = dataclasses.field(default_factory=list)  # the candidate process's CPU seconds
    others: list[float] = dataclasses.field(default_factory=list)  # cores other processes kept busy meanwhile
    threads: list[int] = dataclasses.field(default_factory=list)

    def median(self) -> float:
        return statistics.median(self.wall)

    def median_cpu(self) -> float:
        return statistics.median(self.cpu)

    def threads_text(self) -> str:
        counts = sorted(set(self.threads))
        text = ",".join(map(str, counts))
        return f"{text} thread{'s' if counts != [1] else ''}"


@functools.cache
def _mnist_train(directory: str | None) -> tuple[Any, Any]:
    from verified_nn.data import load

    train = load("mnist", "train", directory=directory, report=lambda _: None)
    return np.asarray(train.inputs), train.labels


def on_mnist(directory: str | None, build: Callable[..., Epoch], *args: Any) -> Epoch:
    """``build(images, labels, *args)`` on MNIST's training set read from ``directory`` in the calling process:
    with ``functools.partial``, a factory that loads the data in the candidate's own process."""
    images, labels = _mnist_train(directory)
    return build(images, labels, *args)


def _serve(factory: Factory, retain: bool, connection: Connection) -> None:
    """A candidate's process: build its epoch, then run each epoch number received, sending back its wall
    and CPU seconds and threads, until ``None`` arrives."""
    if retain:
        from verified_nn.training import retain_freed_memory

        retain_freed_memory()
    run = factory()
    connection.send(os.getpid())
    while (number := connection.recv()) is not None:
        wall, cpu = time.perf_counter(), time.process_time()
        threads = run(number)
        connection.send((time.perf_counter() - wall, time.process_time() - cpu, threads))


class Candidate:
    """One candidate's process and its end of the pipe."""

    def __init__(self, name: str, factory: Factory, retain: bool) -> None:
        context = multiprocessing.get_context("spawn")
        self.name = name
        self.connection, theirs = context.Pipe()
        self.process: Any = context.Process(target=_serve, args=(factory, retain, theirs), daemon=True)
        self.process.start()
        theirs.close()
        self.pid: int = self._receive("while being built")  # its data loaded, its network made

    def _receive(self, doing: str) -> Any:
        try:
            return self.connection.recv()
        except EOFError:  # the process ended: its traceback is on stderr, above
            raise RuntimeError(f"candidate {self.name!r} ended {doing} (exit code {self._exit_code()})") from None

    def _exit_code(self) -> int | None:
        self.process.join(timeout=5)
        code: int | None = self.process.exitcode
        return code

    def epoch(self, number: int) -> tuple[float, float, int]:
        """``(wall, cpu, threads)`` of epoch ``number``, measured in the candidate's process."""
        self.connection.send(number)
        wall, cpu, threads = self._receive(f"in epoch {number}")
        return float(wall), float(cpu), int(threads)

    def close(self) -> None:
        """Ask the process to end, and end it if it does not; a process that has already ended is fine."""
        with contextlib.suppress(OSError):  # the other end is gone
            self.connection.send(None)
        self.process.join(timeout=30)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.connection.close()


def _timed(candidate: Candidate, number: int, into: Epochs) -> None:
    time.sleep(SETTLE)
    busy, mine = _busy_seconds(), time.process_time()
    wall, cpu, threads = candidate.epoch(number)
    after, mine = _busy_seconds(), time.process_time() - mine
    into.wall.append(wall)
    into.cpu.append(cpu)
    into.threads.append(threads)
    if busy is not None and after is not None:
        into.others.append(max(0.0, (after - busy - cpu - mine) / wall))


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def interleaved(factories: dict[str, Factory], repeats: int, *, retain: bool = True) -> dict[str, Epochs]:
    """Each candidate in its own process (keeping freed memory for reuse, as the trainer does, unless not
    ``retain``): one warm-up epoch of each, then ``repeats`` rounds of one timed epoch each, in turn."""
    candidates: dict[str, Candidate] = {}
    try:
        for name, factory in factories.items():
            candidates[name] = Candidate(name, factory, retain)
        for candidate in candidates.values():
            candidate.epoch(0)
        results = {name: Epochs() for name in candidates}
        for number in range(1, repeats + 1):
            for name, candidate in candidates.items():
                _timed(candidate, number, results[name])
        return results
    finally:
        for candidate in candidates.values():
            candidate.close()


@dataclasses.dataclass(frozen=True)
class Run:
    """The load around a set of interleaved epochs, and the epochs."""

    before: tuple[float, float, float]  # os.getloadavg() before the first epoch
    after: tuple[float, float, float]
    results: dict[str, Epochs]

    def others(self) -> list[float]:
        return [value for epochs in self.results.values() for value in epochs.others]

    def steady(self) -> bool:
        """Whether the cores other processes kept busy differed by at most one between the timed epochs."""
        others = self.others()
        return not others or max(others) - min(others) <= 1.0


def measure(factories: dict[str, Factory], repeats: int, *, retain: bool = True) -> Run:
    """Interleaved epochs, printing the load average before and after."""
    before = os.getloadavg()
    print(f"load average before: {load_average()}", flush=True)
    results = interleaved(factories, repeats, retain=retain)
    after = os.getloadavg()
    print(f"load average after:  {load_average()}")
    return Run(before, after, results)


def report(run: Run, pairs: list[tuple[str, str]]) -> None:
    """Each candidate's median epoch, threads and the others' load; then ``ours / theirs`` for each pair
    ``(ours, theirs)`` given, marked ``(!)`` unless the load was steady."""
    others = run.others()
    if others:
        print(
            f"other processes kept {min(others):.2f} to {max(others):.2f} cores busy during the timed epochs "
            f"(median {statistics.median(others):.2f})"
        )
    mark = "" if run.steady() else " (!)"
    if mark:
        print("(!) the load changed by more than one during the run: these ratios describe the machine, not the code")
    width = max(len(name) for name in run.results)
    for name, epochs in run.results.items():
        print(
            f"  {name:<{width}}  {epochs.median():8.3f} s per epoch ({epochs.median_cpu():7.3f} s CPU)  "
            f"on {epochs.threads_text()}"
        )
    for ours, theirs in pairs:
        mine, other = run.results[ours], run.results[theirs]
        print(
            f"  {ours} / {theirs} = {mine.median() / other.median():.3f}{mark}"
            f" (CPU time {mine.median_cpu() / other.median_cpu():.3f})"
        )
