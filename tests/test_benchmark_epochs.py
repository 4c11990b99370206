"""The speed benchmarks' harness (``benchmarks/_epochs.py``): each candidate in a process of its own."""

import multiprocessing
import os

import pytest

from benchmarks._epochs import Epoch, interleaved


def _reporting_pid() -> Epoch:
    """A candidate whose epochs report, in place of their threads, the process they ran in."""

    def epoch(number: int) -> int:
        return os.getpid()

    return epoch


def test_each_candidate_runs_its_epochs_in_a_process_of_its_own_and_the_processes_end() -> None:
    results = interleaved({"a": _reporting_pid, "b": _reporting_pid}, 2, retain=False)
    processes = {name: set(epochs.threads) for name, epochs in results.items()}
    assert all(len(pids) == 1 for pids in processes.values())  # the same process for all of a candidate's epochs
    assert processes["a"] != processes["b"]
    assert os.getpid() not in processes["a"] | processes["b"]
    assert all(len(epochs.wall) == len(epochs.cpu) == 2 for epochs in results.values())
    assert not multiprocessing.active_children()


def _failing_in_epoch_1() -> Epoch:
    def epoch(number: int) -> int:
        if number == 1:
            raise ValueError("planted: the candidate fails")
        return 1

    return epoch


def _failing_when_built() -> Epoch:
    raise ValueError("planted: the candidate cannot be built")


def test_a_candidate_that_dies_is_named_and_every_process_ends() -> None:
    with pytest.raises(RuntimeError, match=r"^candidate 'b' ended in epoch 1 \(exit code 1\)$"):
        interleaved({"a": _reporting_pid, "b": _failing_in_epoch_1, "c": _reporting_pid}, 2, retain=False)
    assert not multiprocessing.active_children()
    with pytest.raises(RuntimeError, match=r"^candidate 'b' ended while being built \(exit code 1\)$"):
        interleaved({"a": _reporting_pid, "b": _failing_when_built}, 1, retain=False)
    assert not multiprocessing.active_children()
