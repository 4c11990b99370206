"""The BLAS thread count against machine load: training epochs, quiet and beside two busy processes.

Run: ``python -m benchmarks.threads [--data-dir DIR] [--repeats N] [--preset NAME] [--samples N]``. For 1
and 2 BLAS threads and for ``auto`` (the trainer's default: ``choose_threads`` before each epoch) it times
epochs of the preset's network (default: the default network, 784-128-10, momentum SGD, batch 64, as
``verified-nn train`` runs it) while the machine is as it is, and again while two other processes spin on
the cores, and prints each setting's slowdown under load and the thread counts ``auto`` chose. The load
average is printed before each half: the "quiet" half is only as quiet as the machine was.
"""

import argparse
import multiprocessing
import statistics
import time
from typing import Any

import numpy as np

from benchmarks._epochs import load_average
from verified_nn.core import Threads, choose_threads
from verified_nn.data import load
from verified_nn.layers import Mode
from verified_nn.network import backprop
from verified_nn.training import build_network, build_optimizer, preset, retain_freed_memory

Array = np.ndarray[Any, Any]
SETTINGS: tuple[Threads, ...] = (1, 2, "auto")
# Seconds between epochs, untimed: BLAS's threads spin for a while after an epoch on two threads, and beside
# two busy processes they took from the next epoch (``auto``'s, on one thread: 0.29 s against 0.24 s for the
# same epoch on a fixed thread; 0.207 s against 0.204 s after a pause of 0.5 s).
SETTLE = 0.5


def _spin() -> None:
    while True:  # a busy process: all CPU, no memory traffic
        pass


def _epoch(images: Array, labels: Array, preset_name: str | None, threads: Threads, seed: int) -> tuple[float, int]:
    """Seconds of one epoch (the choice of threads included) and the thread count it ran on."""
    config = preset(preset_name)
    network = build_network(config, images.shape[1:], 10)
    optimizer = build_optimizer(config)
    state = optimizer.init(network)
    order = np.random.default_rng([0, seed]).permutation(len(labels))
    size = config.batch_size
    start = time.perf_counter()
    probe = (images[:size], labels[:size])
    choice = choose_threads(threads, probe=lambda: backprop(network, *probe, mode=Mode.train(0, 0, 0)))
    with choice.limits():
        for first in range(0, len(order), size):
            chosen = order[first : first + size]
            mode = Mode.train(0, seed, first)
            network, state, _, _ = optimizer.step_measured(network, state, images[chosen], labels[chosen], mode=mode)
    return time.perf_counter() - start, choice.threads


def _medians(images: Array, labels: Array, preset_name: str | None, repeats: int) -> dict[Threads, tuple[float, str]]:
    """For each setting: the median epoch and the thread counts chosen, the settings taking turns."""
    seconds: dict[Threads, list[float]] = {setting: [] for setting in SETTINGS}
    chosen: dict[Threads, set[int]] = {setting: set() for setting in SETTINGS}
    for seed in range(repeats):
        for setting in SETTINGS:
            time.sleep(SETTLE)
            took, threads = _epoch(images, labels, preset_name, setting, seed)
            seconds[setting].append(took)
            chosen[setting].add(threads)
    return {
        setting: (statistics.median(seconds[setting]), ",".join(map(str, sorted(chosen[setting]))))
        for setting in SETTINGS
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--preset", default=None, help="a training preset's network and optimizer (default: none)")
    parser.add_argument("--samples", type=int, default=None, help="images per epoch (default: all 60,000)")
    args = parser.parse_args()
    retain_freed_memory()
    train = load("mnist", "train", directory=args.data_dir, report=lambda _: None)
    images, labels = np.asarray(train.inputs)[: args.samples], train.labels[: args.samples]
    print(f"load average before the quiet half: {load_average()}", flush=True)
    quiet = _medians(images, labels, args.preset, args.repeats)
    spinners = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(2)]
    for spinner in spinners:
        spinner.start()
    try:
        time.sleep(1.0)
        print(f"load average with two busy processes started: {load_average()}", flush=True)
        loaded = _medians(images, labels, args.preset, args.repeats)
    finally:
        for spinner in spinners:
            spinner.terminate()
    print(
        f"epochs of {len(labels):,} images, {args.preset or 'default'} network and optimizer, median of {args.repeats}"
    )
    print(f"  {'BLAS threads':<13} {'quiet':>8} {'2 busy processes':>17} {'slowdown':>9}  threads chosen")
    for setting in SETTINGS:
        (calm, calm_threads), (busy, busy_threads) = quiet[setting], loaded[setting]
        print(
            f"  {setting!s:<13} {calm:7.3f}s {busy:16.3f}s {busy / calm:8.2f}x  "
            f"{calm_threads} quiet, {busy_threads} busy"
        )
    print(
        f"  quiet: 1 thread / 2 threads = {quiet[1][0] / quiet[2][0]:.3f}; auto / 1 thread = "
        f"{quiet['auto'][0] / quiet[1][0]:.3f}"
    )


if __name__ == "__main__":
    main()
