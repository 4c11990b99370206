"""Items in worker processes: results in order, an item's error raised, a dead worker named, and Ctrl-C on the
whole process group stopping the run at once with what finished (it could hang and lose everything)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from verified_nn.certify import map_in_processes
from verified_nn.search import SearchError


def _square(item: int, *, plus: int = 0) -> int:
    return item * item + plus


def _fails_on_two(item: int) -> int:
    if item == 2:
        raise SearchError(f"planted: item {item}")
    return item


def _dies_on_one(item: int) -> int:
    if item == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    return item


def test_results_come_back_in_order_and_as_they_finish() -> None:
    seen: list[int] = []
    assert map_in_processes(_square, [3, 1, 4, 1, 5], jobs=2, on_result=seen.append, plus=1) == [10, 2, 17, 2, 26]
    assert sorted(seen) == [2, 2, 10, 17, 26]


def _process(item: int) -> int:
    return os.getpid()


def test_the_workers_live_for_the_whole_run() -> None:
    # What a worker loads for one item (a network, onnxruntime) serves its next ones.
    processes = map_in_processes(_process, list(range(8)), jobs=2)
    assert len(set(processes)) == 2 and os.getpid() not in processes


def test_an_items_error_is_raised_and_a_dead_worker_is_named() -> None:
    with pytest.raises(SearchError, match=r"^planted: item 2$"):
        map_in_processes(_fails_on_two, [0, 1, 2, 3], jobs=2)
    with pytest.raises(SearchError, match=r"^a worker process died \(exit status -9\)$"):
        map_in_processes(_dies_on_one, [0, 1, 2], jobs=2, error=SearchError)


SCRIPT = """
import sys, time
from verified_nn.certify import map_in_processes

def work(item):
    if item:
        time.sleep(120)  # still running when the interrupt comes
    return item

finished = []
try:
    map_in_processes(work, [0, 1, 2], jobs=2, on_result=lambda r: (finished.append(r), print("done", r, flush=True)))
except KeyboardInterrupt:
    print("interrupted with", finished, flush=True)
    sys.exit(130)
"""


def test_ctrl_c_on_the_process_group_stops_at_once_keeping_what_finished(tmp_path: Path) -> None:
    script = tmp_path / "run.py"
    script.write_text(SCRIPT)
    child = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "done 0\n"
        time.sleep(0.5)  # the two slow items are running
        started = time.monotonic()
        os.killpg(child.pid, signal.SIGINT)  # what Ctrl-C does: every process of the group gets it
        out, err = child.communicate(timeout=30)
        assert time.monotonic() - started < 10
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
    assert child.returncode == 130 and out == "interrupted with [0]\n"
    assert "Traceback" not in err, err  # the workers ignore the interrupt; the caller stops them
