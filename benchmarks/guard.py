"""The cost of guarding every batch: a default training epoch with and without the per-batch checks.

Run: ``python -m benchmarks.guard [--data-dir DIR] [--repeats N]``. The trainer measures every batch's
gradient norm (``Optimizer.step_measured``) and compares it and the loss with their limits; the
reference is the same step without the norm (backprop, then the update) and without the comparison.
Both run the default network (784-128-10, batch 64, momentum) on the same batches on one BLAS thread,
interleaved, and the ratio of the medians is printed (the issue asks for under 3% more).
"""

import argparse
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped, unused-ignore]

from verified_nn.data import load
from verified_nn.network import backprop, default_network
from verified_nn.optimizer import Momentum

BATCH = 64
Array = np.ndarray[Any, Any]


def _epoch(images: Array, labels: Array, *, guarded: bool) -> Callable[[int], float]:
    def run(seed: int) -> float:
        network = default_network(np.random.default_rng(0))
        optimizer = Momentum(learning_rate=0.05, momentum=0.9)
        state = optimizer.init(network)
        order = np.random.default_rng([0, seed]).permutation(len(labels))
        start = time.perf_counter()
        for first in range(0, len(order), BATCH):
            chosen = order[first : first + BATCH]
            if guarded:
                network, state, loss, norm = optimizer.step_measured(network, state, images[chosen], labels[chosen])
                if not (math.isfinite(loss) and loss <= 100 and math.isfinite(norm) and norm <= 1e3):
                    raise RuntimeError("diverged")
            else:
                _, grads = backprop(network, images[chosen], labels[chosen])
                network, state = optimizer.apply(grads, state, network)
        return time.perf_counter() - start

    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    train = load("mnist", "train", directory=args.data_dir, report=lambda _: None)
    candidates = {
        "guarded (loss and gradient norm)": _epoch(np.asarray(train.inputs), train.labels, guarded=True),
        "unguarded": _epoch(np.asarray(train.inputs), train.labels, guarded=False),
    }
    times: dict[str, list[float]] = {name: [] for name in candidates}
    with threadpool_limits(limits=1):
        for run in candidates.values():
            run(0)  # warm-up
        for repeat in range(1, args.repeats + 1):
            for name, run in candidates.items():
                times[name].append(run(repeat))
    medians = {name: float(np.median(values)) for name, values in times.items()}
    print("one default training epoch (784-128-10, batch 64, momentum, 1 BLAS thread), median of", args.repeats)
    for name, seconds in medians.items():
        print(f"  {name:<34} {seconds:7.3f} s")
    ratio = medians["guarded (loss and gradient norm)"] / medians["unguarded"]
    print(f"  guarded / unguarded = {ratio:.3f} ({(ratio - 1) * 100:+.1f}%)")


if __name__ == "__main__":
    main()
