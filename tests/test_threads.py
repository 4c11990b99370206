"""The BLAS thread policy: fixed counts pass through, "auto" never oversubscribes and keeps only a real gain."""

import subprocess
import sys
import threading
from collections.abc import Callable, Iterator

import pytest
from threadpoolctl import threadpool_info  # type: ignore[import-untyped, unused-ignore]

from verified_nn.core import (
    AUTO,
    InvalidArgumentError,
    Machine,
    ThreadChoice,
    _machine as machine_module,
    _threads as threads_module,
    check_threads,
    choose_threads,
    in_parallel,
    workers,
)

QUIET = Machine(cores=2, others=0.0)


def _blas_threads() -> int:
    counts = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert counts, "numpy's BLAS is not visible to threadpoolctl"
    return int(counts[0])


class _Clock:
    """A stand-in for the time module whose clock moves only when a probe says it took some time."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> _Clock:
    fake = _Clock()
    monkeypatch.setattr(threads_module, "time", fake)
    return fake


def _paced(clock: _Clock, seconds_by_threads: dict[int, float], seen: list[int]) -> Callable[[], None]:
    """A probe that takes a set time for each BLAS thread count it finds in force (and records it)."""

    def probe() -> None:
        count = _blas_threads()
        seen.append(count)
        clock.now += seconds_by_threads[count]

    return probe


def _rounds_of(clock: _Clock, ratios: list[float]) -> Callable[[], None]:
    """A probe taking 10 ms on one thread and ``ratio`` times that on more, one ratio per timed round. A probe is
    an untimed call on each count, then ``ROUNDS`` rounds of four calls (an untimed and a timed one per count)."""
    calls: list[int] = []
    per_probe = 2 + 4 * threads_module.ROUNDS

    def probe() -> None:
        count = _blas_threads()
        taken, position = divmod(len(calls), per_probe)
        index = taken * threads_module.ROUNDS + max(0, position - 2) // 4
        clock.now += 0.010 * (1.0 if count == 1 else ratios[index])
        calls.append(count)

    return probe


@pytest.fixture
def readings(monkeypatch: pytest.MonkeyPatch, clock: _Clock) -> list[float]:
    """The run queue as the test sets it: each reading of the other processes' threads is taken from the front
    of the list (the last one repeats); two cores; CPU counters that show whatever ``recent`` the test passes."""
    queue: list[float] = []

    def others_running() -> float:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    monkeypatch.setattr(machine_module, "others_running", others_running)
    monkeypatch.setattr(machine_module, "cores", lambda: 2)
    monkeypatch.setattr(machine_module, "usage", lambda: machine_module.Usage(busy=10.0, own=4.0, wall=clock.now + 1.0))
    return queue


def _previous(threads: int, *, busy: float) -> ThreadChoice:
    """A previous choice whose counters, one second before the fixture's, show ``busy`` cores used by others."""
    return ThreadChoice(threads, "before", machine_module.Usage(busy=10.0 - 1.0 - busy, own=3.0, wall=0.0))


@pytest.mark.parametrize("value", [1, 2, 16, "auto"])
def test_check_threads_accepts_counts_and_auto(value: object) -> None:
    assert check_threads(value) == value


@pytest.mark.parametrize("value", [0, -1, True, 1.5, "all", "2", None])
def test_check_threads_refuses_anything_else_naming_the_option(value: object) -> None:
    with pytest.raises(InvalidArgumentError, match=rf"^workers must be a whole number >= 1 or 'auto', got {value!r}$"):
        check_threads(value, name="workers")


def test_a_fixed_count_is_used_as_given_without_looking_at_the_machine() -> None:
    busy = Machine(cores=2, others=8.0)
    assert choose_threads(3, machine=busy) == ThreadChoice(3, "fixed")
    assert choose_threads(1, machine=QUIET, probe=lambda: pytest.fail("a fixed count runs no probe")).threads == 1


@pytest.mark.parametrize(
    ("cores", "others", "free"),
    [
        (2, 0.0, 2),
        (2, 0.4, 2),
        (2, 0.5, 2),
        (2, 0.6, 1),
        (2, 1.0, 1),
        (2, 2.0, 1),
        (2, 9.0, 1),
        (8, 2.0, 6),
        (4, None, 4),
    ],
)
def test_free_cores_are_the_cores_less_the_other_running_threads_rounded(
    cores: int, others: float | None, free: int
) -> None:
    assert Machine(cores=cores, others=others).free == free


def test_auto_runs_one_thread_when_other_processes_hold_the_cores() -> None:
    def probe() -> None:
        pytest.fail("no probe when the other processes leave one core even less one of their threads")

    choice = choose_threads(AUTO, machine=Machine(cores=2, others=2.0), probe=probe)
    assert choice.threads == 1
    assert choice.reason == "auto: 2 threads of other processes running on 2 cores"
    assert choose_threads(AUTO, machine=Machine(cores=4, others=4.0), probe=probe).threads == 1


def test_a_single_other_thread_with_no_last_epoch_to_go_by_is_settled_by_the_probe(
    readings: list[float], clock: _Clock
) -> None:
    """One reading of one other thread sent a whole first epoch to one thread, at 1.7 times its time on two."""
    readings[:] = [1.0] * 5 + [0.0]  # a command ran while the run queue was first read, then ended
    choice = choose_threads(AUTO, probe=_rounds_of(clock, [0.55] * 3))
    assert choice.threads == 2
    assert choice.reason == (
        "auto: 1 threads of other processes running on 2 cores, a probe on 2 threads took 0.55 of its time on 1"
    )
    readings[:] = [1.0]  # a process that holds a core through the probe
    held = choose_threads(AUTO, probe=_rounds_of(clock, [0.55] * 3))
    assert held.threads == 1 and held.reason.endswith(", 1 running while probing")
    readings[:] = [1.0] * 5 + [0.0]  # a long first call, read again after it
    seen: list[int] = []
    assert choose_threads(AUTO, probe=_paced(clock, {1: 0.3, 2: 0.2}, seen)).threads == 2 and seen == [1]
    readings[:] = [1.0]
    assert choose_threads(AUTO, probe=_paced(clock, {1: 0.3, 2: 0.2}, seen)).threads == 1
    readings[:] = [1.0]  # without a probe nothing settles the reading: one thread, never two beside another
    assert choose_threads(AUTO).threads == 1


def test_more_than_one_other_thread_with_no_last_epoch_gets_one_thread_without_a_probe(
    monkeypatch: pytest.MonkeyPatch, readings: list[float]
) -> None:
    monkeypatch.setattr(machine_module, "cores", lambda: 4)
    readings[:] = [3.0]  # one core left: only a single other thread is taken for a passing command
    choice = choose_threads(AUTO, probe=lambda: pytest.fail("no probe"))
    assert (choice.threads, choice.reason) == (1, "auto: 3 threads of other processes running on 4 cores")
    readings[:] = [2.0]  # two cores left: probed on them as ever
    assert "a probe on 2 threads" in choose_threads(AUTO, probe=lambda: None).reason


def test_auto_takes_the_free_cores_when_the_probe_is_faster_there(clock: _Clock) -> None:
    seen: list[int] = []
    choice = choose_threads(AUTO, machine=QUIET, probe=_paced(clock, {1: 0.02, 2: 0.011}, seen))
    assert choice.threads == 2
    assert choice.reason == (
        "auto: 0 threads of other processes running on 2 cores, a probe on 2 threads took 0.55 of its time on 1"
    )
    # an untimed round, then three, the counts taking turns under the real limits, each an untimed call then a timed one
    assert seen == [1, 2] + [1, 1, 2, 2] * 3


def test_auto_keeps_one_thread_when_more_threads_gain_less_than_the_margin(clock: _Clock) -> None:
    seen: list[int] = []
    assert choose_threads(AUTO, machine=QUIET, probe=_paced(clock, {1: 0.010, 2: 0.0091}, seen)).threads == 1
    assert choose_threads(AUTO, machine=QUIET, probe=_paced(clock, {1: 0.010, 2: 0.0090}, seen)).threads == 2
    assert choose_threads(AUTO, machine=QUIET, probe=_paced(clock, {1: 0.010, 2: 0.030}, seen)).threads == 1


def test_each_timed_probe_follows_an_untimed_one_on_the_same_count(clock: _Clock) -> None:
    """BLAS's threads sleep after a change of count: the first call on two threads pays their waking (here 15 ms
    on top of 6), which no step of an epoch pays; timed straight after the change, two threads would seem slower."""
    seen: list[int] = []

    def probe() -> None:
        count = _blas_threads()
        clock.now += 0.010 if count == 1 else 0.006 + (0.015 if not seen or seen[-1] != count else 0.0)
        seen.append(count)

    choice = choose_threads(AUTO, machine=QUIET, probe=probe)
    assert choice.threads == 2 and "took 0.60 of its time on 1" in choice.reason
    assert seen == [1, 2] + [1, 1, 2, 2] * 3


def test_a_probe_whose_first_call_is_long_is_not_repeated_and_the_free_cores_are_used(clock: _Clock) -> None:
    """certify's probe on a convolutional network, one image's back-substitution, takes seconds: 14 of them would
    cost as much as certifying 14 images."""
    seen: list[int] = []
    choice = choose_threads(AUTO, machine=QUIET, probe=_paced(clock, {1: 0.3, 2: 0.2}, seen))
    assert seen == [1] and choice.threads == 2
    assert choice.reason.endswith(", a probe took 0.30 s on 1 thread: long enough for 2")
    seen.clear()  # just under the limit: probed as before
    assert choose_threads(AUTO, machine=QUIET, probe=_paced(clock, {1: 0.19, 2: 0.18}, seen)).threads == 1
    assert len(seen) == 14


def test_a_load_that_starts_during_a_long_probe_call_gets_one_thread(readings: list[float], clock: _Clock) -> None:
    readings[:] = [0.0] * 5 + [2.0]  # free when first read; two processes running after the call
    seen: list[int] = []
    choice = choose_threads(AUTO, probe=_paced(clock, {1: 0.3, 2: 0.2}, seen), previous=_previous(2, busy=0.0))
    assert seen == [1] and choice.threads == 1 and choice.reason.endswith(", 1 running while probing")


def test_one_slow_round_of_the_probe_does_not_decide_the_median_does(clock: _Clock) -> None:
    noisy = choose_threads(AUTO, machine=QUIET, probe=_rounds_of(clock, [0.55, 1.4, 0.6]))
    assert noisy.threads == 2 and "took 0.60 of its time on 1" in noisy.reason
    slow = choose_threads(AUTO, machine=QUIET, probe=_rounds_of(clock, [1.2, 0.5, 1.1]))
    assert slow.threads == 1 and "took 1.10 of its time on 1" in slow.reason


@pytest.mark.parametrize(
    ("previous", "ratio", "threads", "kept"),
    [
        (2, 0.95, 2, True),  # within the margin: a free machine keeps its threads
        (1, 0.95, 1, False),  # but does not switch up to them
        (None, 0.95, 1, False),
        (2, 1.0, 1, False),  # more threads no faster at all: back to one
        (1, 0.85, 2, False),
    ],
)
def test_more_threads_are_kept_within_the_margin_only_when_already_chosen(
    clock: _Clock, previous: int | None, ratio: float, threads: int, kept: bool
) -> None:
    before = ThreadChoice(previous, "before") if previous is not None else None
    choice = choose_threads(AUTO, machine=QUIET, probe=_rounds_of(clock, [ratio] * 6), previous=before)
    assert choice.threads == threads
    assert choice.reason.endswith("(kept: within the margin)") == kept


def test_a_probe_that_disagrees_with_the_last_epoch_s_count_is_taken_again_and_the_second_decides(
    clock: _Clock,
) -> None:
    before = ThreadChoice(2, "before")
    spun = choose_threads(AUTO, machine=QUIET, probe=_rounds_of(clock, [1.05] * 3 + [0.7] * 3), previous=before)
    assert spun.threads == 2 and spun.reason.endswith("took 0.70 of its time on 1 (probed twice)")
    slow = choose_threads(AUTO, machine=QUIET, probe=_rounds_of(clock, [1.05] * 3 + [1.1] * 3), previous=before)
    assert slow.threads == 1 and slow.reason.endswith("took 1.10 of its time on 1 (probed twice)")
    first = choose_threads(AUTO, machine=QUIET, probe=_rounds_of(clock, [1.05] * 3 + [0.7] * 3))
    assert first.threads == 1 and first.reason.endswith("took 1.05 of its time on 1")  # no previous: once


def test_a_momentary_busy_reading_on_a_machine_free_over_the_last_epoch_is_read_again(
    readings: list[float], clock: _Clock
) -> None:
    readings[:] = [1.0] * 5 + [0.0]  # a command ran while the run queue was first read, then ended
    choice = choose_threads(AUTO, probe=_rounds_of(clock, [0.55] * 3), previous=_previous(2, busy=0.05))
    assert choice.threads == 2
    assert choice.reason.startswith(
        "auto: 1 threads of other processes running on 2 cores, 0.05 cores busy with them since the last choice, a "
        "probe on 2 threads took 0.55"
    )


def test_a_load_that_lasts_through_the_probe_gets_one_thread_however_fast_the_probe(
    readings: list[float], clock: _Clock
) -> None:
    readings[:] = [2.0]  # two processes started after the last epoch, which was free
    choice = choose_threads(AUTO, probe=_rounds_of(clock, [0.5] * 3), previous=_previous(2, busy=0.0))
    assert choice.threads == 1 and choice.reason.endswith(", 2 running while probing")
    readings[:] = [0.0] * 5 + [2.0]  # a load that started during the probe
    assert choose_threads(AUTO, probe=_rounds_of(clock, [0.5] * 3), previous=_previous(2, busy=0.0)).threads == 1


def test_a_machine_busy_now_and_over_the_last_epoch_gets_one_thread_without_a_probe(readings: list[float]) -> None:
    readings[:] = [0.0, 2.0, 2.0, 1.0, 0.0]  # the median of the readings: 1
    choice = choose_threads(AUTO, probe=lambda: pytest.fail("no probe"), previous=_previous(2, busy=1.2))
    assert (choice.threads, choice.reason) == (
        1,
        "auto: 1 threads of other processes running on 2 cores, 1.20 cores busy with them since the last choice",
    )


def test_the_cores_others_used_are_the_machine_s_busy_time_less_this_process_s_over_the_wall_time() -> None:
    usage = machine_module.Usage
    assert machine_module.others_between(usage(100.0, 10.0, 5.0), usage(103.0, 11.5, 6.0)) == 1.5
    assert machine_module.others_between(usage(100.0, 10.0, 5.0), usage(100.5, 11.0, 6.0)) == 0.0  # coarse ticks
    assert machine_module.others_between(usage(100.0, 10.0, 5.0), usage(103.0, 11.0, 5.1)) is None  # too short
    assert machine_module.others_between(None, usage(1.0, 1.0, 1.0)) is None
    assert Machine(cores=2, others=1.0, recent=0.3).free_recently == 2
    assert Machine(cores=2, others=0.0, recent=0.8).free_recently == 1
    assert Machine(cores=2, others=0.0).free_recently is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the counters are read from /proc")
def test_the_cpu_counters_move_forward_with_this_process_s_work() -> None:
    before = machine_module.usage()
    sum(range(2_000_000))
    after = machine_module.usage()
    assert before is not None and after is not None
    assert after.own > before.own and after.busy >= before.busy and after.wall > before.wall


def test_auto_without_a_probe_takes_the_free_cores() -> None:
    assert choose_threads(AUTO, machine=Machine(cores=4, others=1.0)).threads == 3


def test_a_choice_limits_blas_within_its_block_only() -> None:
    before = _blas_threads()
    with ThreadChoice(1, "test").limits():
        assert _blas_threads() == 1
    assert _blas_threads() == before


@pytest.fixture
def two_busy_processes() -> Iterator[None]:
    """Two processes spinning on the CPU until the test ends."""
    program = "import sys; print('ready', flush=True)\nwhile True: pass"
    spinners = [subprocess.Popen([sys.executable, "-c", program], stdout=subprocess.PIPE) for _ in range(2)]
    try:
        for spinner in spinners:
            assert spinner.stdout is not None and spinner.stdout.readline() == b"ready\n"
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()
            if spinner.stdout is not None:
                spinner.stdout.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the run queue is read from /proc")
def test_the_machine_state_sees_two_busy_processes_and_auto_then_runs_one_thread(two_busy_processes: None) -> None:
    seen = threads_module.machine_state()
    assert seen.others is not None and seen.others >= 2  # the spinners, and whatever else is running
    assert choose_threads(AUTO).threads == 1


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the run queue is read from /proc")
def test_this_process_s_own_threads_are_not_counted_as_others() -> None:
    seen = threads_module.machine_state()
    assert seen.cores >= 1 and seen.others is not None and seen.others >= 0
    assert machine_module._running_here() >= 1  # the thread reading its own state is running


def test_work_is_split_over_the_chosen_threads_only_inside_a_choice() -> None:
    assert workers() == 1
    with ThreadChoice(2, "test").limits():
        assert workers() == 2 and _blas_threads() == 2
        with ThreadChoice(1, "test").limits():
            assert workers() == 1
        assert workers() == 2
    assert workers() == 1


def test_in_parallel_runs_the_calls_at_once_on_two_threads_with_one_blas_thread_each() -> None:
    meeting = threading.Barrier(2, timeout=10)  # broken unless both calls wait at it together

    def call(value: int) -> tuple[int, str, int]:
        meeting.wait()
        return value, threading.current_thread().name, _blas_threads()

    with ThreadChoice(2, "test").limits():
        results = in_parallel([lambda: call(1), lambda: call(2)])
    assert [value for value, _, _ in results] == [1, 2]
    assert results[0][1] != results[1][1]
    assert [blas for _, _, blas in results] == [1, 1]


def test_in_parallel_on_one_thread_runs_the_calls_in_order_here() -> None:
    names: list[str] = []

    def call(value: int) -> int:
        names.append(threading.current_thread().name)
        return value

    assert in_parallel([lambda: call(1), lambda: call(2)]) == [1, 2]
    assert names == [threading.current_thread().name] * 2
