"""The presets end to end: training time, accuracy, time to 98% test accuracy, and peak memory.

The best epoch is the one chosen on the held-out validation images; its test accuracy is reported.

Run: ``python -m benchmarks.training [--data-dir DIR] [--presets best full] [--threads auto|N]``. Each preset
(with ``--threads``, default ``auto`` as the trainer's, on top: a number makes the run reproducible) trains in a
fresh subprocess (so its peak resident memory, read from the kernel, is its own), writing its
checkpoints and log into a temporary directory.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

CHILD = r"""
import json, sys
from verified_nn.training import preset, train
threads = sys.argv[4] if sys.argv[4] == "auto" else int(sys.argv[4])
result = train(preset(sys.argv[1], threads=threads), data_dir=sys.argv[2] or None, out_dir=sys.argv[3],
               log_dir=sys.argv[3], name=sys.argv[1], echo=False)
elapsed, to_98 = 0.0, None
for record in result.history:
    elapsed += record.train_seconds
    if to_98 is None and record.test_accuracy >= 0.98:
        to_98 = elapsed
print(json.dumps({"seconds": result.train_seconds, "best": result.best.test_accuracy,
                  "epoch": result.best.epoch, "to_98": to_98, "epochs": len(result.history)}))
"""


def _run(name: str, data_dir: str | None, threads: str) -> tuple[dict[str, float], float]:
    """The preset's results, and the peak resident memory (MB) of the process that trained it."""
    with tempfile.TemporaryDirectory() as scratch:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, name, data_dir or "", scratch, threads], stdout=subprocess.PIPE, text=True
        )
        assert child.stdout is not None
        out = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)  # this child's own resource usage
        child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"preset {name} failed with exit status {child.returncode}")
    return json.loads(out.strip().splitlines()[-1]), usage.ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--presets", nargs="+", default=["full", "best", "large", "fashion"])
    parser.add_argument("--threads", default="auto", help="BLAS threads for every preset: auto or a number")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}; threads {args.threads}")
    print("preset   training s   best test acc (epoch)   s to 98%   peak RSS")
    for name in args.presets:
        result, peak_mb = _run(name, args.data_dir, args.threads)
        to_98 = f"{result['to_98']:.1f}" if result["to_98"] is not None else "never"
        best = f"{result['best']:.2%} ({int(result['epoch'])}/{int(result['epochs'])})"
        print(f"{name:<8} {result['seconds']:10.1f}   {best:<22}{to_98:>10}   {peak_mb:5.0f} MB", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
