"""Epochs of 60,000 MNIST images (float32, batch 64, SGD) for two networks, against plain numpy and PyTorch.

Run: ``python -m benchmarks.epoch [--data-dir DIR] [--repeats N] [--threads N]``. Candidates, each on the
same seeded batches, interleaved so that machine noise falls on all alike; medians are compared:
- 784-128-10 (the default): verified-nn (``SGD.step``, runtime checks on), plain numpy (the same maths
  written plainly, ``benchmarks.step.plain_step``), PyTorch (``nn.Sequential``, ``torch.optim.SGD``);
- 784-512-512-10: verified-nn and PyTorch.
verified-nn and plain numpy run with ``--threads`` BLAS threads (default 1, the trainer's default);
PyTorch twice, with its own default thread count (printed) and with one thread. PyTorch is compared
only when it is installed.
"""

import argparse
import itertools
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped, unused-ignore]

from benchmarks.step import plain_step
from verified_nn.core import RUNTIME_CHECKS
from verified_nn.data import load
from verified_nn.network import Batch, mlp, parameters
from verified_nn.optimizer import SGD

BATCH = 64
RATE = 0.01
Array = np.ndarray[Any, Any]
Epoch = Callable[[int], None]


def _batches(count: int, epoch: int) -> list[Array]:
    order = np.random.default_rng([0, epoch]).permutation(count)
    return [order[start : start + BATCH] for start in range(0, count, BATCH)]


def _ours(sizes: tuple[int, ...], images: Array, labels: Array, threads: int) -> Epoch:
    network = mlp(sizes, rng=np.random.default_rng(0), dtype=np.float32)
    optimizer = SGD(learning_rate=RATE)
    state = optimizer.init(network)

    def epoch(number: int) -> None:
        nonlocal network, state
        with threadpool_limits(limits=threads):
            for chosen in _batches(len(labels), number):
                network, state, _ = optimizer.step(network, state, Batch(images[chosen], labels[chosen]))

    return epoch


def _plain(images: Array, labels: Array, threads: int) -> Epoch:
    network = mlp((784, 128, 10), rng=np.random.default_rng(0), dtype=np.float32)
    params = [np.ascontiguousarray(p) for p in parameters(network)]

    def epoch(number: int) -> None:
        nonlocal params
        with threadpool_limits(limits=threads):
            for chosen in _batches(len(labels), number):
                params, _ = plain_step(params, images[chosen], labels[chosen])

    return epoch


def _torch(sizes: tuple[int, ...], images: Array, labels: Array, threads: int | None) -> Epoch | None:
    try:
        import torch
    except ImportError:
        return None
    torch.manual_seed(0)
    default_threads = torch.get_num_threads()
    layers: list[Any] = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        layers += [torch.nn.Linear(fan_in, fan_out), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    optimizer = torch.optim.SGD(model.parameters(), lr=RATE)
    criterion = torch.nn.CrossEntropyLoss()
    x_all, y_all = torch.from_numpy(np.ascontiguousarray(images)), torch.from_numpy(labels)

    def epoch(number: int) -> None:
        torch.set_num_threads(threads or default_threads)
        try:
            for chosen in _batches(len(labels), number):
                index = torch.from_numpy(chosen)
                optimizer.zero_grad()
                loss = criterion(model(x_all[index]), y_all[index])
                loss.backward()
                optimizer.step()
        finally:
            torch.set_num_threads(default_threads)

    return epoch


def _medians(candidates: dict[str, Epoch], repeats: int) -> dict[str, float]:
    for run in candidates.values():  # warm-up epoch
        run(0)
    times: dict[str, list[float]] = {name: [] for name in candidates}
    for repeat in range(1, repeats + 1):
        for name, run in candidates.items():
            start = time.perf_counter()
            run(repeat)
            times[name].append(time.perf_counter() - start)
    return {name: float(np.median(values)) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads for verified-nn and plain numpy")
    args = parser.parse_args()
    train = load("mnist", "train", directory=args.data_dir, report=lambda _: None)
    images, labels = np.asarray(train.inputs), train.labels
    checks = "on" if RUNTIME_CHECKS else "off"
    print(f"one epoch of 60,000 MNIST images, batch {BATCH}, float32, SGD; runtime checks {checks}")
    print(f"verified-nn and plain numpy on {args.threads} BLAS thread(s)")
    for sizes in ((784, 128, 10), (784, 512, 512, 10)):
        name = "-".join(map(str, sizes))
        candidates = {f"verified-nn {name}": _ours(sizes, images, labels, args.threads)}
        if sizes == (784, 128, 10):
            candidates[f"plain numpy {name}"] = _plain(images, labels, args.threads)
        torch_epoch = _torch(sizes, images, labels, None)
        if torch_epoch is not None:
            import torch

            candidates[f"PyTorch {torch.__version__} {name} ({torch.get_num_threads()} threads)"] = torch_epoch
            one = _torch(sizes, images, labels, 1)
            assert one is not None
            candidates[f"PyTorch {torch.__version__} {name} (1 thread)"] = one
        medians = _medians(candidates, args.repeats)
        ours = medians[f"verified-nn {name}"]
        for candidate, seconds in medians.items():
            print(f"  {candidate:<44} {seconds:7.3f} s   verified-nn / this = {ours / seconds:.3f}")
        if torch_epoch is None:
            print("  (PyTorch not installed: pip install torch to compare)")


if __name__ == "__main__":
    main()
