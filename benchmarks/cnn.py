"""Epochs of a LeNet-style CNN on MNIST (float32, batch 64, SGD) in verified-nn and in PyTorch, same run, same CPU.

Run: ``python -m benchmarks.cnn [--data-dir DIR] [--repeats N] [--threads N] [--samples N]``. Both train
the ``cnn`` preset's network (``--channels``, ``--kernel``, ``--hidden`` change it; dropout active) on
the same seeded batches, starting from the same weights, with the same number of threads; epochs
alternate between the two so that machine noise falls on both alike, and the medians are compared:
wall-clock time, the figure that counts, and CPU time, which other processes on the cores disturb less.
The machine's load average is printed before and after: other processes on the cores change the
figures. PyTorch is compared only when it is installed (it is not a dependency).
"""

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped, unused-ignore]

from verified_nn.core import RUNTIME_CHECKS
from verified_nn.data import load
from verified_nn.layers import Conv2D, Dense, Dropout, Flatten, MaxPool2D, Mode, ReLU, Reshape
from verified_nn.network import Batch, Network
from verified_nn.optimizer import SGD
from verified_nn.training import build_network, preset, retain_freed_memory

BATCH = 64
RATE = 0.01
Array = np.ndarray[Any, Any]
Epoch = Callable[[int], None]


def _batches(count: int, samples: int, epoch: int) -> list[Array]:
    order = np.random.default_rng([0, epoch]).permutation(count)[:samples]
    return [order[start : start + BATCH] for start in range(0, samples, BATCH)]


def _ours(network: Network[Any, Any], images: Array, labels: Array, samples: int, threads: int) -> Epoch:
    optimizer = SGD(learning_rate=RATE)
    state = optimizer.init(network)

    def epoch(number: int) -> None:
        nonlocal network, state
        with threadpool_limits(limits=threads):
            for index, chosen in enumerate(_batches(len(labels), samples, number)):
                batch = Batch(images[chosen], labels[chosen])
                network, state, _ = optimizer.step(network, state, batch, mode=Mode.train(0, number, index))

    return epoch


def torch_model(network: Network[Any, Any]) -> Any:
    """The same network in PyTorch (``nn.Sequential``), holding copies of its parameters."""
    import torch

    modules: list[Any] = []
    for layer in network.layers:
        if isinstance(layer, Reshape):
            modules.append(torch.nn.Unflatten(1, layer.shape))
        elif isinstance(layer, Conv2D):
            out, inputs, _, _ = layer.weights.shape
            modules.append(torch.nn.Conv2d(inputs, out, layer.kernel, stride=layer.stride, padding=layer.padding))
        elif isinstance(layer, ReLU):
            modules.append(torch.nn.ReLU())
        elif isinstance(layer, MaxPool2D):
            kernel, stride, padding = layer.window()
            modules.append(torch.nn.MaxPool2d(kernel, stride=stride, padding=padding))
        elif isinstance(layer, Flatten):
            modules.append(torch.nn.Flatten())
        elif isinstance(layer, Dense):
            modules.append(torch.nn.Linear(layer.shape[1], layer.shape[0]))
        elif isinstance(layer, Dropout):
            modules.append(torch.nn.Dropout(layer.rate))
        else:
            raise ValueError(f"no PyTorch counterpart for {layer!r} here")
    model = torch.nn.Sequential(*modules)
    with torch.no_grad():
        for theirs, ours in zip(model.parameters(), network.parameters(), strict=True):
            theirs.copy_(torch.from_numpy(np.array(ours)))  # a writable copy
    return model


def _torch(network: Network[Any, Any], images: Array, labels: Array, samples: int, threads: int) -> Epoch | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    model = torch_model(network).train()
    optimizer = torch.optim.SGD(model.parameters(), lr=RATE)
    criterion = torch.nn.CrossEntropyLoss()
    x_all, y_all = torch.from_numpy(np.ascontiguousarray(images)), torch.from_numpy(labels)

    def epoch(number: int) -> None:
        for chosen in _batches(len(labels), samples, number):
            index = torch.from_numpy(chosen)
            optimizer.zero_grad()
            loss = criterion(model(x_all[index]), y_all[index])
            loss.backward()
            optimizer.step()

    return epoch


def _medians(candidates: dict[str, Epoch], repeats: int) -> dict[str, tuple[float, float]]:
    """Median wall-clock and CPU seconds (this process, all threads) per epoch of each candidate."""
    for run in candidates.values():  # warm-up epoch
        run(0)
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in candidates}
    for repeat in range(1, repeats + 1):
        for name, run in candidates.items():
            start, cpu = time.perf_counter(), time.process_time()
            run(repeat)
            times[name].append((time.perf_counter() - start, time.process_time() - cpu))
    return {
        name: (float(np.median([w for w, _ in values])), float(np.median([c for _, c in values])))
        for name, values in times.items()
    }


def _widths(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--repeats", type=int, default=3, help="timed epochs per candidate (default 3)")
    parser.add_argument("--threads", type=int, default=1, help="threads for both (default 1, the trainer's)")
    parser.add_argument("--samples", type=int, default=60_000, help="images per timed epoch (default 60000)")
    parser.add_argument("--channels", type=_widths, default=None, help="conv channels (default: the preset's)")
    parser.add_argument("--kernel", type=int, default=None, help="conv kernel size (default: the preset's)")
    parser.add_argument("--hidden", type=_widths, default=None, help="dense widths after flatten (default: preset's)")
    parser.add_argument("--no-retain", action="store_true", help="leave glibc's thresholds (the trainer raises them)")
    args = parser.parse_args()
    retained = False if args.no_retain else retain_freed_memory()
    train = load("mnist", "train", directory=args.data_dir, report=lambda _: None)
    images, labels = np.asarray(train.inputs), train.labels
    samples = min(args.samples, len(labels))
    changes = {"conv": args.channels, "kernel": args.kernel, "hidden": args.hidden}
    config = preset("cnn", **{name: value for name, value in changes.items() if value is not None})
    network = build_network(config, train.shape, len(train.classes))
    print(f"network {network.describe()}")
    checks = "on" if RUNTIME_CHECKS else "off"
    print(
        f"epochs of {samples:,} MNIST images, batch {BATCH}, float32, SGD, {args.threads} thread(s); checks {checks}; "
        f"freed memory retained: {'yes' if retained else 'no'}"
    )
    print(f"load average before: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    candidates = {"verified-nn": _ours(network, images, labels, samples, args.threads)}
    torch_epoch = _torch(network, images, labels, samples, args.threads)
    if torch_epoch is not None:
        import torch

        candidates[f"PyTorch {torch.__version__}"] = torch_epoch
    medians = _medians(candidates, args.repeats)
    print(f"load average after:  {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    ours, ours_cpu = medians["verified-nn"]
    for candidate, (seconds, cpu) in medians.items():
        print(
            f"  {candidate:<24} {seconds:8.2f} s per epoch ({cpu:6.2f} s CPU)   "
            f"verified-nn / this = {ours / seconds:.3f} (CPU {ours_cpu / cpu:.3f})"
        )
    if torch_epoch is None:
        print("  (PyTorch not installed: pip install torch to compare)")


if __name__ == "__main__":
    main()
