"""The BLAS thread count against machine load: a default training epoch, quiet and beside two busy processes.

Run: ``python -m benchmarks.threads [--data-dir DIR] [--repeats N]``. For 1 and 2 BLAS threads it times
epochs of the default network (784-128-10, batch 64, momentum SGD, as ``verified-nn train`` runs them)
on a quiet machine and again while two other processes spin on the cores, and prints each setting's
slowdown under load. This is the measurement behind the trainer's default ``threads=1``.
"""

import argparse
import multiprocessing
import time
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped, unused-ignore]

from verified_nn.data import load
from verified_nn.network import default_network
from verified_nn.optimizer import Momentum

BATCH = 64
Array = np.ndarray[Any, Any]


def _spin() -> None:
    while True:  # a busy process: all CPU, no memory traffic
        pass


def _epoch_seconds(images: Array, labels: Array, threads: int, seed: int) -> float:
    network = default_network(np.random.default_rng(0))
    optimizer = Momentum(learning_rate=0.05, momentum=0.9)
    state = optimizer.init(network)
    order = np.random.default_rng([0, seed]).permutation(len(labels))
    start = time.perf_counter()
    with threadpool_limits(limits=threads):
        for first in range(0, len(order), BATCH):
            chosen = order[first : first + BATCH]
            network, state, _, _ = optimizer.step_measured(network, state, images[chosen], labels[chosen])
    return time.perf_counter() - start


def _median(images: Array, labels: Array, threads: int, repeats: int) -> float:
    return float(np.median([_epoch_seconds(images, labels, threads, seed) for seed in range(repeats)]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    train = load("mnist", "train", directory=args.data_dir, report=lambda _: None)
    settings = (1, 2)
    quiet = {threads: _median(np.asarray(train.inputs), train.labels, threads, args.repeats) for threads in settings}
    spinners = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(2)]
    for spinner in spinners:
        spinner.start()
    try:
        images = np.asarray(train.inputs)
        loaded = {threads: _median(images, train.labels, threads, args.repeats) for threads in settings}
    finally:
        for spinner in spinners:
            spinner.terminate()
    print("one default training epoch (784-128-10, batch 64, momentum), median of", args.repeats)
    print(f"  {'BLAS threads':<13} {'quiet':>8} {'2 busy processes':>17} {'slowdown':>9}")
    for threads in settings:
        print(
            f"  {threads:<13} {quiet[threads]:7.3f}s {loaded[threads]:16.3f}s {loaded[threads] / quiet[threads]:8.2f}x"
        )
    print(f"  quiet, 1 thread / 2 threads = {quiet[1] / quiet[2]:.3f}")


if __name__ == "__main__":
    main()
