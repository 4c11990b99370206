"""The training loop's own cost: an epoch of the trainer's loop against the bare steps it takes.

Run: ``python -m benchmarks.loop [--data-dir DIR] [--repeats N]``. Both candidates make the same steps
on the same seeded batches of MNIST's 55,000 training images (784-128-10, float32, momentum, batch 64,
one BLAS thread): the bare one calls ``Optimizer.step_measured`` in a plain loop; the other is
``verified_nn.training.fit`` with the trainer's callbacks (progress bar off a terminal, the guard,
diagnostic lines every 200 batches), its schedule applied per step, and no evaluation. They take turns,
so machine noise falls on both alike; the ratio of medians is the loop's overhead.
"""

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped, unused-ignore]

from verified_nn.data import load
from verified_nn.layers import Mode
from verified_nn.network import mlp
from verified_nn.optimizer import Momentum
from verified_nn.training import Diagnostics, Guard, LoopData, LoopSettings, Plain, Progress, Schedule, fit

BATCH = 64


def _bare(images: np.ndarray[Any, Any], labels: np.ndarray[Any, Any]) -> None:
    epoch = 1
    network = mlp((784, 128, 10), rng=np.random.default_rng(0))
    optimizer = Momentum(learning_rate=0.05)
    state = optimizer.init(network)
    order = np.random.default_rng([0, epoch]).permutation(len(labels))
    for batch, start in enumerate(range(0, len(labels), BATCH)):
        chosen = order[start : start + BATCH]
        network, state, _, _ = optimizer.step_measured(
            network, state, images[chosen], labels[chosen], mode=Mode.train(0, epoch, batch)
        )


def _loop(data: Any) -> None:
    network = mlp((784, 128, 10), rng=np.random.default_rng(0))
    optimizer = Momentum(learning_rate=0.05)
    settings = LoopSettings(epochs=1, batch_size=BATCH, seed=0, log_every=200)
    guard = Guard(max_loss=100.0, max_grad_norm=1e3, clipping=False, kept=lambda: "")
    fit(
        network,
        optimizer.init(network),
        optimizer,
        data=LoopData(train=data),
        settings=settings,
        schedule=Schedule(0.05, "cosine", 8, 860),
        objective=Plain(),
        callbacks=[Progress(), guard, Diagnostics(lambda _: None, 8)],
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    train = load("mnist", "train", directory=args.data_dir, report=lambda _: None).subset(slice(0, 55_000))
    images, labels = np.asarray(train.inputs), train.labels
    times: dict[str, list[float]] = {"bare steps": [], "training loop": []}
    with threadpool_limits(limits=1):
        _bare(images, labels)  # warm-up
        candidates: dict[str, Callable[[], None]] = {
            "bare steps": lambda: _bare(images, labels),
            "training loop": lambda: _loop(train),
        }
        for _ in range(args.repeats):
            for name, run in candidates.items():
                start = time.perf_counter()
                run()
                times[name].append(time.perf_counter() - start)
    medians = {name: float(np.median(values)) for name, values in times.items()}
    print(f"one epoch of 55,000 MNIST images, 784-128-10, batch {BATCH}, momentum, 1 BLAS thread")
    for name, seconds in medians.items():
        print(f"  {name:<14} {seconds:7.3f} s")
    print(f"  loop / bare = {medians['training loop'] / medians['bare steps']:.3f}")


if __name__ == "__main__":
    main()
