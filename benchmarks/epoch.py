"""Epochs of 60,000 MNIST images (float32, batch 64, SGD) for two MLPs, against plain numpy and PyTorch.

Run: ``python -m benchmarks.epoch [--data-dir DIR] [--repeats N] [--threads auto|N] [--reasons]``. Every candidate
trains on the same seeded batches in a process of its own; epochs are interleaved (one of each in turn)
so that machine noise falls on all alike, and medians are compared (``benchmarks/_epochs.py`` prints the
load and marks ratios taken while it changed):
- 784-128-10 (the default network) and 784-512-512-10;
- verified-nn (``SGD.step`` with runtime checks on) with ``--threads`` BLAS threads (default ``auto``, the
  trainer's: chosen by ``choose_threads`` from the free cores and a timed step, before the first epoch and
  after each, ``benchmarks._epochs.Threading``) and
  on one thread; plain numpy (the same maths written plainly, ``benchmarks.step.plain_step``) on one
  thread, for the default network; PyTorch (``nn.Sequential``, ``torch.optim.SGD``) on its default
  thread count and on one thread, when it is installed.
Then each network's step on one thread against the arithmetic bound of one core: the step's
floating-point operations at the speed of a large single-threaded float32 product measured here (both
in CPU time, which other processes on the cores disturb least).
Freed memory is kept for reuse, as the trainer keeps it (``retain_freed_memory``), in every candidate's
process; the page faults per step of verified-nn's steps are printed (0: each step's arrays reuse kept
memory).
"""

import argparse
import functools
import importlib.metadata
import itertools
import resource
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped, unused-ignore]

from benchmarks._epochs import Epoch, Factory, Run, Threading, measure, on_mnist, report
from benchmarks.step import plain_step
from verified_nn.core import RUNTIME_CHECKS, Threads, check_threads
from verified_nn.data import load
from verified_nn.network import Batch, backprop, mlp, parameters
from verified_nn.optimizer import SGD
from verified_nn.training import retain_freed_memory

BATCH = 64
RATE = 0.01
Array = np.ndarray[Any, Any]


def _batches(count: int, epoch: int) -> list[Array]:
    order = np.random.default_rng([0, epoch]).permutation(count)
    return [order[start : start + BATCH] for start in range(0, count, BATCH)]


def ours(images: Array, labels: Array, sizes: tuple[int, ...], threads: Threads, *, reasons: bool = False) -> Epoch:
    """verified-nn's epoch; with ``"auto"`` the thread counts are chosen as the trainer chooses them
    (:class:`Threading`; with ``reasons``, each choice and its reason are printed)."""
    network = mlp(sizes, rng=np.random.default_rng(0), dtype=np.float32)
    optimizer = SGD(learning_rate=RATE)
    state = optimizer.init(network)
    probe_images, probe_labels = images[:BATCH], labels[:BATCH]
    threading = Threading(threads, reasons)

    def work(number: int) -> None:
        nonlocal network, state
        for chosen in _batches(len(labels), number):
            network, state, _ = optimizer.step(network, state, Batch(images[chosen], labels[chosen]))

    def probe() -> Callable[[], object]:
        return functools.partial(backprop, network, probe_images, probe_labels)

    def epoch(number: int) -> int:
        return threading.run(number, probe, functools.partial(work, number))

    return epoch


def plain(images: Array, labels: Array) -> Epoch:
    network = mlp((784, 128, 10), rng=np.random.default_rng(0), dtype=np.float32)
    params = [np.ascontiguousarray(p) for p in parameters(network)]

    def epoch(number: int) -> int:
        nonlocal params
        with threadpool_limits(limits=1, user_api="blas"):
            for chosen in _batches(len(labels), number):
                params, _ = plain_step(params, images[chosen], labels[chosen])
        return 1

    return epoch


def torch_epoch(images: Array, labels: Array, sizes: tuple[int, ...], threads: int | None) -> Epoch:
    """PyTorch's epoch on ``threads`` threads (None: its default)."""
    import torch

    torch.manual_seed(0)
    default_threads = torch.get_num_threads()
    layers: list[Any] = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        layers += [torch.nn.Linear(fan_in, fan_out), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    optimizer = torch.optim.SGD(model.parameters(), lr=RATE)
    criterion = torch.nn.CrossEntropyLoss()
    x_all, y_all = torch.from_numpy(np.ascontiguousarray(images)), torch.from_numpy(labels)

    def epoch(number: int) -> int:
        count = threads or default_threads
        torch.set_num_threads(count)
        try:
            for chosen in _batches(len(labels), number):
                index = torch.from_numpy(chosen)
                optimizer.zero_grad()
                loss = criterion(model(x_all[index]), y_all[index])
                loss.backward()
                optimizer.step()
        finally:
            torch.set_num_threads(default_threads)
        return count

    return epoch


def _torch_version() -> str | None:
    """PyTorch's version when it is installed, without importing it here (each candidate has its own process)."""
    try:
        return importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        return None


def step_flops(sizes: tuple[int, ...]) -> int:
    """Floating-point operations of one step's products: forward and weight gradient of every layer, input
    gradient of all but the first (a multiply and an add each)."""
    products = [fan_in * fan_out for fan_in, fan_out in itertools.pairwise(sizes)]
    return 2 * BATCH * (2 * sum(products) + sum(products[1:]))


def one_core_peak() -> float:
    """FLOP/s of a large float32 product on one BLAS thread: the best of five 1536^3 products, in this thread's
    CPU time (the product runs in this thread; CPU time is what other processes on the cores disturb least)."""
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((1536, 1536)).astype(np.float32) for _ in range(2))
    best = float("inf")
    with threadpool_limits(limits=1, user_api="blas"):
        a @ b
        for _ in range(5):
            start = time.thread_time()
            a @ b
            best = min(best, time.thread_time() - start)
    return 2 * 1536**3 / best


def faults_per_step(sizes: tuple[int, ...], images: Array, labels: Array, steps: int = 200) -> float:
    """Page faults per step of verified-nn's training steps (after a warm-up): 0 when every array of a step
    comes from memory the process kept (``retain_freed_memory``), not from fresh pages."""
    epoch = ours(images[: BATCH * steps], labels[: BATCH * steps], sizes, 1)
    epoch(0)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    epoch(1)
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / steps


def _bound(name: str, sizes: tuple[int, ...], run: Run, steps: int, peak: float) -> None:
    """The one-thread step's CPU time against the time its products take at one core's peak."""
    step = run.results[f"verified-nn {name} (1 thread)"].median_cpu() / steps
    flops = step_flops(sizes)
    bound = flops / peak
    print(
        f"  {name} step on one thread: {step * 1e6:.0f} us of CPU time; its {flops / 1e6:.1f} MFLOP at one core's "
        f"{peak / 1e9:.0f} GFLOP/s take {bound * 1e6:.0f} us: {step / bound:.2f}x the arithmetic bound"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--repeats", type=int, default=5, help="timed epochs per candidate (default 5)")
    parser.add_argument(
        "--threads", type=lambda text: check_threads(text if text == "auto" else int(text)), default="auto"
    )
    parser.add_argument("--reasons", action="store_true", help="print each epoch's thread count and why")
    args = parser.parse_args()
    retain_freed_memory()
    train = load("mnist", "train", directory=args.data_dir, report=lambda _: None)
    images, labels = np.asarray(train.inputs), train.labels
    steps = len(_batches(len(labels), 0))
    checks = "on" if RUNTIME_CHECKS else "off"
    version = _torch_version()
    print(f"epochs of {len(labels):,} MNIST images, batch {BATCH}, float32, SGD; runtime checks {checks}")
    for sizes in ((784, 128, 10), (784, 512, 512, 10)):
        name = "-".join(map(str, sizes))
        mine, single = f"verified-nn {name} ({args.threads})", f"verified-nn {name} (1 thread)"
        mnist = functools.partial(on_mnist, args.data_dir)
        mine_epoch = functools.partial(ours, reasons=args.reasons)
        candidates: dict[str, Factory] = {mine: functools.partial(mnist, mine_epoch, sizes, args.threads)}
        candidates[single] = functools.partial(mnist, ours, sizes, 1)
        pairs = []
        if sizes == (784, 128, 10):
            candidates[f"plain numpy {name}"] = functools.partial(mnist, plain)
            pairs.append((single, f"plain numpy {name}"))
        if version is not None:
            default, one = f"PyTorch {version} {name} (default)", f"PyTorch {version} {name} (1 thread)"
            candidates[default] = functools.partial(mnist, torch_epoch, sizes, None)
            candidates[one] = functools.partial(mnist, torch_epoch, sizes, 1)
            pairs += [(mine, default), (single, one)]
        print(f"\n{name}:")
        run = measure(candidates, args.repeats)
        report(run, pairs)
        _bound(name, sizes, run, steps, one_core_peak())
        print(f"  {name}: {faults_per_step(sizes, images, labels):.2f} page faults per step")
    if version is None:
        print("(PyTorch not installed: pip install torch to compare)")


if __name__ == "__main__":
    main()
