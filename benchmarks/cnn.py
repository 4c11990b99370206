"""Epochs of the ``cnn`` preset's network on MNIST (float32, batch 64, SGD) in verified-nn and in PyTorch.

Run: ``python -m benchmarks.cnn [--data-dir DIR] [--repeats N] [--threads auto|N] [--samples N]``, or
with ``--profile`` for where one step's time goes. Both libraries train the preset's network
(``--channels``, ``--kernel``, ``--hidden`` change it; dropout active) on the same seeded batches from the
same weights. Candidates: verified-nn on ``--threads`` BLAS threads (default ``auto``, the trainer's:
chosen from the free cores and a timed step before the first epoch and after each,
``benchmarks._epochs.Threading``) and on one thread; PyTorch (when it is
installed) on its default thread count and on one thread, each in a process of its own. Epochs are
interleaved, one of each in turn; medians of wall-clock time (the figure that counts) and of CPU time are
compared, and ``benchmarks/_epochs.py`` prints the load and marks ratios taken while it changed. Freed
memory is kept for reuse, as the trainer keeps it, for both libraries (``--no-retain`` leaves glibc's
defaults).

``--profile`` times each layer's forward and backward pass on one batch (the best of ``--repeats`` blocks
of 20 calls, on one thread, in the thread's CPU time), and PyTorch's whole step beside it.
"""

import argparse
import functools
import importlib.metadata
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks._epochs import Epoch, Factory, Threading, load_average, measure, on_mnist, report
from verified_nn.core import (
    RUNTIME_CHECKS,
    Threads,
    check_threads,
    cross_entropy_and_gradient,
)
from verified_nn.data import load
from verified_nn.layers import Conv2D, Dense, Dropout, Flatten, MaxPool2D, Mode, ReLU, Reshape
from verified_nn.network import Batch, Network, backprop
from verified_nn.optimizer import SGD
from verified_nn.training import build_network, preset, retain_freed_memory

BATCH = 64
RATE = 0.01
Array = np.ndarray[Any, Any]


def _batches(count: int, samples: int, epoch: int) -> list[Array]:
    order = np.random.default_rng([0, epoch]).permutation(count)[:samples]
    return [order[start : start + BATCH] for start in range(0, samples, BATCH)]


def ours(
    images: Array, labels: Array, network: Network[Any, Any], samples: int, threads: Threads, *, reasons: bool = False
) -> Epoch:
    """verified-nn's epoch; with ``"auto"`` the thread counts are chosen as the trainer chooses them
    (:class:`Threading`; with ``reasons``, each choice and its reason are printed)."""
    optimizer = SGD(learning_rate=RATE)
    state = optimizer.init(network)
    probe_images, probe_labels = images[:BATCH], labels[:BATCH]
    threading = Threading(threads, reasons)

    def work(number: int) -> None:
        nonlocal network, state
        for index, chosen in enumerate(_batches(len(labels), samples, number)):
            batch = Batch(images[chosen], labels[chosen])
            network, state, _ = optimizer.step(network, state, batch, mode=Mode.train(0, number, index))

    def epoch(number: int) -> int:
        def probe() -> Callable[[], object]:
            return functools.partial(backprop, network, probe_images, probe_labels, mode=Mode.train(0, number, 0))

        return threading.run(number, probe, functools.partial(work, number))

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
        for theirs, mine in zip(model.parameters(), network.parameters(), strict=True):
            theirs.copy_(torch.from_numpy(np.array(mine)))  # a writable copy
    return model


def torch_step(network: Network[Any, Any]) -> Callable[[Any, Any], None]:
    """One PyTorch SGD step on a batch ``(x, y)`` of tensors, for a copy of ``network``."""
    import torch

    model = torch_model(network).train()
    optimizer = torch.optim.SGD(model.parameters(), lr=RATE)
    criterion = torch.nn.CrossEntropyLoss()

    def step(x: Any, y: Any) -> None:
        optimizer.zero_grad()
        criterion(model(x), y).backward()
        optimizer.step()

    return step


def torch_epoch(images: Array, labels: Array, network: Network[Any, Any], samples: int, threads: int | None) -> Epoch:
    """PyTorch's epoch on ``threads`` threads (None: its default)."""
    import torch

    default_threads = torch.get_num_threads()
    step = torch_step(network)
    x_all, y_all = torch.from_numpy(np.ascontiguousarray(images)), torch.from_numpy(labels)

    def epoch(number: int) -> int:
        count = threads or default_threads
        torch.set_num_threads(count)
        try:
            for chosen in _batches(len(labels), samples, number):
                index = torch.from_numpy(chosen)
                step(x_all[index], y_all[index])
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


def _best(function: Callable[[], object], repeats: int, calls: int = 20) -> float:
    """The shortest mean time of ``repeats`` blocks of ``calls`` calls, in milliseconds of this thread's CPU
    time: on one thread it is the wall-clock time of a quiet machine, and other processes disturb it least."""
    function()
    best = float("inf")
    for _ in range(repeats):
        start = time.thread_time()
        for _ in range(calls):
            function()
        best = min(best, (time.thread_time() - start) / calls)
    return best * 1e3


def _profile_layer(
    layer: Any, index: int, after_first: int, inputs: Array, upstream: Array, cache: Any, repeats: int
) -> float:
    """Print one layer's forward and backward times (``after_first``: its place after the first parameter
    layer, whose backward forms no input gradient); return their sum in milliseconds."""
    mode = Mode.train(0, 1, 0).child(index)
    forward = _best(lambda: layer.forward(inputs, mode=mode), repeats)
    if after_first < 0:
        backward, what = 0.0, "(none needed)"
    elif after_first == 0:
        backward, what = _best(lambda: layer.parameter_gradients(upstream, cache), repeats), "(parameter gradients)"
    else:
        backward, what = _best(lambda: layer.backward(upstream, cache), repeats), ""
    print(f"  {index:2d} {layer!r:<58} forward {forward:6.2f} ms  backward {backward:6.2f} ms {what}")
    return forward + backward


def profile(network: Network[Any, Any], images: Array, labels: Array, repeats: int) -> None:
    """Each layer's forward and backward on one batch, one thread; then whole steps of both libraries."""
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped, unused-ignore]

    x, y = images[:BATCH], labels[:BATCH]
    mode = Mode.train(0, 1, 0)
    print(
        f"one step on a batch of {BATCH}, one thread; CPU time, best of {repeats} blocks of 20 calls; "
        f"load {load_average()}"
    )
    with threadpool_limits(limits=1, user_api="blas"):
        inputs, caches = [x], []
        for index, layer in enumerate(network.layers):
            output, cache = layer.forward(inputs[-1], mode=mode.child(index))
            inputs.append(output)
            caches.append(cache)
        gradient: Array = cross_entropy_and_gradient(inputs[-1], y)[1]
        upstream: list[Array] = [gradient] * len(network.layers)
        first = next(index for index, layer in enumerate(network.layers) if layer.parameters())
        for index in range(len(network.layers) - 1, first, -1):
            upstream[index] = gradient
            gradient, _ = network.layers[index].backward(gradient, caches[index])
        upstream[first] = gradient
        total = 0.0
        for index, layer in enumerate(network.layers):
            total += _profile_layer(layer, index, index - first, inputs[index], upstream[index], caches[index], repeats)
        print(f"  sum of the layers {total:.2f} ms")
        ours_step = _best(lambda: backprop(network, x, y, mode=mode), repeats)
        print(f"  verified-nn backprop (forward, loss, backward) {ours_step:.2f} ms")
    if _torch_version() is not None:
        import torch

        torch.set_num_threads(1)
        step = torch_step(network)
        tx, ty = torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(y)
        theirs = _best(lambda: step(tx, ty), repeats)
        print(f"  PyTorch {_torch_version()} step (zero_grad, forward, backward, SGD) {theirs:.2f} ms")


def _widths(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--repeats", type=int, default=3, help="timed epochs per candidate (default 3)")
    parser.add_argument(
        "--threads",
        type=lambda text: check_threads(text if text == "auto" else int(text)),
        default="auto",
        help="verified-nn's BLAS threads (default auto, the trainer's)",
    )
    parser.add_argument("--samples", type=int, default=60_000, help="images per timed epoch (default 60000)")
    parser.add_argument("--channels", type=_widths, default=None, help="conv channels (default: the preset's)")
    parser.add_argument("--kernel", type=int, default=None, help="conv kernel size (default: the preset's)")
    parser.add_argument("--hidden", type=_widths, default=None, help="dense widths after flatten (default: preset's)")
    parser.add_argument("--no-retain", action="store_true", help="leave glibc's thresholds (the trainer raises them)")
    parser.add_argument("--profile", action="store_true", help="time each layer of one step instead of epochs")
    args = parser.parse_args()
    retained = False if args.no_retain else retain_freed_memory()
    train = load("mnist", "train", directory=args.data_dir, report=lambda _: None)
    images, labels = np.asarray(train.inputs), train.labels
    samples = min(args.samples, len(labels))
    changes = {"conv": args.channels, "kernel": args.kernel, "hidden": args.hidden}
    config = preset("cnn", **{name: value for name, value in changes.items() if value is not None})
    network = build_network(config, train.shape, len(train.classes))
    print(f"network {network.describe()}")
    if args.profile:
        profile(network, images, labels, max(args.repeats, 5))
        return
    checks = "on" if RUNTIME_CHECKS else "off"
    print(
        f"epochs of {samples:,} MNIST images, batch {BATCH}, float32, SGD; checks {checks}; "
        f"freed memory retained: {'yes' if retained else 'no'}"
    )
    mine, single = f"verified-nn ({args.threads})", "verified-nn (1 thread)"
    mnist = functools.partial(on_mnist, args.data_dir)
    candidates: dict[str, Factory] = {mine: functools.partial(mnist, ours, network, samples, args.threads)}
    candidates[single] = functools.partial(mnist, ours, network, samples, 1)
    pairs = []
    version = _torch_version()
    if version is not None:
        default, one = f"PyTorch {version} (default)", f"PyTorch {version} (1 thread)"
        candidates[default] = functools.partial(mnist, torch_epoch, network, samples, None)
        candidates[one] = functools.partial(mnist, torch_epoch, network, samples, 1)
        pairs = [(mine, default), (single, one)]
    report(measure(candidates, args.repeats, retain=not args.no_retain), pairs)
    if version is None:
        print("  (PyTorch not installed: pip install torch to compare)")


if __name__ == "__main__":
    main()
