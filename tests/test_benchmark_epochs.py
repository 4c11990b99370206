"""The speed benchmarks' harness (``benchmarks/_epochs.py``): each candidate in a process of its own."""

import multiprocessing
import os
import time

import numpy as np
import pytest

import benchmarks._epochs as epochs_module
import benchmarks.cnn as cnn_module
import benchmarks.epoch as epoch_module
from benchmarks._epochs import Epoch, interleaved
from verified_nn.core import ThreadChoice, _machine as machine_module
from verified_nn.training import build_network, preset


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


def test_our_next_thread_choice_accounts_for_our_own_epoch_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Other candidates' epochs run between two of ours: counted as a load, they sent whole epochs to one thread."""
    seen: list[ThreadChoice | None] = []

    def choose(setting: object, *, probe: object, previous: ThreadChoice | None = None) -> ThreadChoice:
        seen.append(previous)
        return ThreadChoice(1, "chosen", machine_module.usage())

    monkeypatch.setattr(epochs_module, "choose_threads", choose)
    images, labels = np.zeros((128, 784), np.float32), np.zeros(128, np.int64)
    cnn = build_network(preset("cnn"), (784,), 10)
    mlp = epoch_module.ours(images, labels, (784, 8, 10), "auto")
    for run in (mlp, cnn_module.ours(images, labels, cnn, 64, "auto")):
        seen.clear()
        run(0)
        time.sleep(0.3)  # the other candidates' epochs
        started = time.monotonic()
        run(1)
        assert seen[0] is None and len(seen) == 3  # the first epoch's choice, then one after each epoch
        previous = seen[-1]
        assert previous is not None and previous.usage is not None and previous.usage.wall >= started
