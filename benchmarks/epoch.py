"""One 60,000-sample float32 epoch (batch 64, SGD) three ways, in one run, with ratios.

Run: ``python -m benchmarks.epoch [--data-dir DIR] [--repeats N]``. Candidates:
- verified-nn: ``SGD.step`` over seeded index permutations, runtime shape checks on;
- plain numpy: the same maths written plainly (``benchmarks.step.plain_step``), same batches;
- PyTorch (only if ``torch`` is installed): ``nn.Linear``/ReLU/``nn.Linear``, ``CrossEntropyLoss``,
  ``torch.optim.SGD``, on the CPU with the same threads and the same batches.
Each candidate runs ``--repeats`` epochs in turn, interleaved; medians are compared.
"""

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.step import plain_step
from verified_nn.core import RUNTIME_CHECKS
from verified_nn.data import load
from verified_nn.network import he_init, parameters
from verified_nn.optimizer import SGD

BATCH = 64
RATE = 0.01
Array = np.ndarray[Any, Any]


def _batches(count: int, epoch: int) -> list[Array]:
    order = np.random.default_rng([0, epoch]).permutation(count)
    return [order[start : start + BATCH] for start in range(0, count, BATCH)]


def _ours(images: Array, labels: Array) -> Callable[[int], None]:
    mlp = he_init(np.random.default_rng(0), dtype=np.float32)
    optimizer = SGD(learning_rate=RATE)
    state = optimizer.init(mlp)

    def epoch(number: int) -> None:
        nonlocal mlp, state
        for chosen in _batches(len(labels), number):
            mlp, state, _ = optimizer.step(mlp, state, images[chosen], labels[chosen])

    return epoch


def _plain(images: Array, labels: Array) -> Callable[[int], None]:
    params = [np.ascontiguousarray(p) for p in parameters(he_init(np.random.default_rng(0), dtype=np.float32))]

    def epoch(number: int) -> None:
        nonlocal params
        for chosen in _batches(len(labels), number):
            params, _ = plain_step(params, images[chosen], labels[chosen])

    return epoch


def _torch(images: Array, labels: Array) -> Callable[[int], None] | None:
    try:
        import torch
    except ImportError:
        return None
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=RATE)
    criterion = torch.nn.CrossEntropyLoss()
    x_all, y_all = torch.from_numpy(np.ascontiguousarray(images)), torch.from_numpy(labels)

    def epoch(number: int) -> None:
        for chosen in _batches(len(labels), number):
            index = torch.from_numpy(chosen)
            optimizer.zero_grad()
            loss = criterion(model(x_all[index]), y_all[index])
            loss.backward()
            optimizer.step()

    return epoch


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    train = load("mnist", "train", directory=args.data_dir)
    candidates = {"verified-nn": _ours(train.images, train.labels), "plain numpy": _plain(train.images, train.labels)}
    torch_epoch = _torch(train.images, train.labels)
    if torch_epoch is not None:
        import torch

        candidates[f"PyTorch {torch.__version__} ({torch.get_num_threads()} threads)"] = torch_epoch
    for run in candidates.values():  # warm-up epoch
        run(0)
    times: dict[str, list[float]] = {name: [] for name in candidates}
    for repeat in range(1, args.repeats + 1):
        for name, run in candidates.items():
            start = time.perf_counter()
            run(repeat)
            times[name].append(time.perf_counter() - start)
    medians = {name: float(np.median(values)) for name, values in times.items()}
    ours = medians["verified-nn"]
    checks = "on" if RUNTIME_CHECKS else "off"
    print(f"one epoch of 60,000 MNIST images, batch {BATCH}, float32, SGD; runtime checks {checks}")
    for name, seconds in medians.items():
        print(f"  {name:<32} {seconds:6.3f} s   verified-nn / this = {ours / seconds:.3f}")
    if torch_epoch is None:
        print("  (PyTorch not installed: pip install torch to compare)")


if __name__ == "__main__":
    main()
