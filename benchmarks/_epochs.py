"""Interleaved epochs with the machine's load accounted for: what epoch.py and cnn.py share.

Each candidate is a function running one numbered epoch and returning the BLAS (or OpenMP) threads it
ran on. After one warm-up epoch each, the candidates take turns, epoch by epoch, so that a change in the
machine's load falls on all of them alike. For every epoch the wall-clock time, this process's CPU time
and the CPU time that *other* processes took meanwhile (all cores' busy time in ``/proc/stat`` less this
process's own) are kept; the load average is printed before and after. A ratio between two candidates
is marked when other processes' load, in cores, differed by more than one between the timed epochs:
such a ratio says more about the machine than about the code. (The load average itself counts this
process's own threads, so it rises during any run; it is printed, not used to judge.) Each timed epoch
starts after an untimed pause of ``SETTLE`` seconds, in which the threads the previous candidate left
idle stop spinning: OpenMP's after PyTorch's epochs, and BLAS's after ours, spin for milliseconds on the
cores the next candidate needs. Straight after PyTorch's epochs, the probe by which verified-nn's ``auto``
chooses its threads found two threads less than 10% faster on 784-128-10 in 12 tries of 12 (median 1.03
of one thread's time), and so chose one; after a pause of 50 ms, in 3 of 12 (median 0.87). The trainer
has no PyTorch in its process.
"""

import dataclasses
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

Epoch = Callable[[int], int]  # runs epoch ``number``; returns the threads it ran on
SETTLE = 0.1  # seconds between epochs, untimed


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
    cpu: list[float] = dataclasses.field(default_factory=list)  # this process's CPU seconds (all threads)
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


def _timed(run: Epoch, number: int, into: Epochs) -> None:
    time.sleep(SETTLE)
    busy, wall, cpu = _busy_seconds(), time.perf_counter(), time.process_time()
    threads = run(number)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    after = _busy_seconds()
    into.wall.append(wall)
    into.cpu.append(cpu)
    into.threads.append(threads)
    if busy is not None and after is not None:
        into.others.append(max(0.0, (after - busy - cpu) / wall))


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def interleaved(candidates: dict[str, Epoch], repeats: int) -> dict[str, Epochs]:
    """One warm-up epoch of each candidate, then ``repeats`` rounds of one timed epoch each, in turn."""
    for run in candidates.values():
        run(0)
    results = {name: Epochs() for name in candidates}
    for number in range(1, repeats + 1):
        for name, run in candidates.items():
            _timed(run, number, results[name])
    return results


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


def measure(candidates: dict[str, Epoch], repeats: int) -> Run:
    """Interleaved epochs, printing the load average before and after."""
    before = os.getloadavg()
    print(f"load average before: {load_average()}", flush=True)
    results = interleaved(candidates, repeats)
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
