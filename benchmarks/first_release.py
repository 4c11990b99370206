"""The default network's epoch today against the first release's fixed MLP, measured in the same run.

Run: ``python -m benchmarks.first_release [--data-dir DIR] [--repeats N] [--threads N]`` from a git
checkout. The first release (commit ``REFERENCE``, one fixed 784-128-10 ``MLP`` class) is extracted
with ``git archive`` into a temporary folder; three worker processes, one per candidate (first release,
today, plain numpy), each load MNIST and wait for commands; the epochs are run in turn, interleaved,
all on the same BLAS thread count, each on the same seeded batches, float32, batch 64, SGD with runtime
checks on. Printed: median epoch seconds and the ratios today / first release and each / plain numpy.
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REFERENCE = "658f8c0"  # the first release's last commit: the fixed MLP, before composable layers
ROOT = Path(__file__).parent.parent

WORKER = r"""
import json, sys, time
import numpy as np
kind, data_dir, threads, tree = sys.argv[1], sys.argv[2] or None, int(sys.argv[3]), sys.argv[4]
if kind == "first release":
    sys.path.insert(0, tree)  # the extracted first release shadows today's package in this process
from threadpoolctl import threadpool_limits
threadpool_limits(limits=threads)
from verified_nn.data import load
train = load("mnist", "train", directory=data_dir, report=lambda _: None)
images, labels = np.asarray(train.inputs), train.labels
if kind == "first release":
    from verified_nn.network import he_init
    from verified_nn.optimizer import SGD
    params, sgd = he_init(np.random.default_rng(0)), SGD(learning_rate=0.01)
    state = sgd.init(params)
    def step(params, state, x, y):
        return sgd.step(params, state, x, y)[:2]
elif kind == "today":
    from verified_nn.network import Batch, default_network
    from verified_nn.optimizer import SGD
    params, sgd = default_network(np.random.default_rng(0)), SGD(learning_rate=0.01)
    state = sgd.init(params)
    def step(params, state, x, y):
        return sgd.step(params, state, Batch(x, y))[:2]
else:
    from benchmarks.step import plain_step
    from verified_nn.network import default_network
    params = [np.ascontiguousarray(p) for p in default_network(np.random.default_rng(0)).parameters()]
    state = None
    def step(params, state, x, y):
        return plain_step(params, x, y)[0], state
import verified_nn
print(json.dumps({"ready": verified_nn.__file__}), flush=True)
for line in sys.stdin:
    order = np.random.default_rng([0, int(line)]).permutation(len(labels))
    start = time.perf_counter()
    for first in range(0, len(order), 64):
        chosen = order[first : first + 64]
        params, state = step(params, state, images[chosen], labels[chosen])
    print(json.dumps({"seconds": time.perf_counter() - start}), flush=True)
"""


def _extract(target: Path) -> Path:
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", REFERENCE, "verified_nn"], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        tree = _extract(Path(scratch))
        workers = {
            kind: subprocess.Popen(
                [sys.executable, "-c", WORKER, kind, args.data_dir or "", str(args.threads), str(tree)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                cwd=ROOT,
            )
            for kind in ("first release", "today", "plain numpy")
        }
        sources = {}
        for kind, worker in workers.items():
            assert worker.stdout is not None
            sources[kind] = json.loads(worker.stdout.readline())["ready"]
        assert sources["first release"].startswith(str(tree)), sources  # the old code really ran
        times: dict[str, list[float]] = {kind: [] for kind in workers}
        for repeat in range(args.repeats + 1):  # round 0 warms up
            for kind, worker in workers.items():
                assert worker.stdin is not None and worker.stdout is not None
                worker.stdin.write(f"{repeat}\n")
                worker.stdin.flush()
                seconds = json.loads(worker.stdout.readline())["seconds"]
                if repeat:
                    times[kind].append(seconds)
        for worker in workers.values():
            assert worker.stdin is not None
            worker.stdin.close()
            worker.wait()
    medians = {kind: float(np.median(values)) for kind, values in times.items()}
    print(f"one epoch of 60,000 MNIST images, 784-128-10, batch 64, float32, SGD, {args.threads} BLAS thread(s)")
    for kind, seconds in medians.items():
        print(f"  {kind:<14} {seconds:7.3f} s   / plain numpy = {seconds / medians['plain numpy']:.3f}")
    print(f"  today / first release = {medians['today'] / medians['first release']:.3f}")


if __name__ == "__main__":
    main()
