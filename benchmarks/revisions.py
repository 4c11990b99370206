"""The same training command under two installs of verified-nn (say, a past release and this checkout).

Run: ``python -m benchmarks.revisions --python OLD/bin/python --python NEW/bin/python [--repeats N]
[--data-dir DIR] [-- TRAIN ARGUMENTS]``. Each interpreter runs ``verified_nn train`` with the arguments
(default: the default run on one BLAS thread, ``--threads 1``, so both make the same arithmetic) in a
scratch directory; the runs take turns, so machine noise falls on both alike. Printed per install: the
median training seconds the command reports (``... in S s of training``: the epochs' steps, not the
evaluations) and the median wall time of the whole command, then the ratio of the last to the first,
with the load average before and after.
"""

import argparse
import os
import re
import statistics
import subprocess
import tempfile
import time

TRAINED = re.compile(r"in ([0-9.]+) s of training")


def _run(python: str, arguments: list[str], data_dir: str | None) -> tuple[float, float, str]:
    """Training seconds as reported, wall seconds, and the line that reports them."""
    with tempfile.TemporaryDirectory() as scratch:
        extra = ["--data-dir", data_dir] if data_dir else []
        start = time.perf_counter()
        result = subprocess.run(
            [python, "-m", "verified_nn", "train", *arguments, *extra],
            cwd=scratch,
            capture_output=True,
            text=True,
            check=False,
        )
        wall = time.perf_counter() - start
    found = TRAINED.search(result.stdout)
    if result.returncode != 0 or found is None:
        raise SystemExit(f"{python}: status {result.returncode}\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    line = next(line for line in result.stdout.splitlines() if TRAINED.search(line))
    return float(found.group(1)), wall, line


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--python", action="append", required=True, help="an interpreter with verified-nn installed")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("train", nargs="*", help="arguments of verified-nn train (after --)")
    args = parser.parse_args()
    arguments = args.train or ["--threads", "1"]
    print(f"verified-nn train {' '.join(arguments)}; load average before: {os.getloadavg()[0]:.2f}")
    trained: dict[str, list[float]] = {python: [] for python in args.python}
    walls: dict[str, list[float]] = {python: [] for python in args.python}
    lines: dict[str, str] = {}
    for _ in range(args.repeats):
        for python in args.python:
            seconds, wall, line = _run(python, arguments, args.data_dir)
            trained[python].append(seconds)
            walls[python].append(wall)
            lines[python] = line
    for python in args.python:
        print(
            f"{python}: training {statistics.median(trained[python]):.2f} s,"
            f" command {statistics.median(walls[python]):.2f} s"
            f" (medians of {args.repeats}; last: {lines[python].split(';')[0]})"
        )
    first, last = args.python[0], args.python[-1]
    print(
        f"ratio last/first: training"
        f" {statistics.median(trained[last]) / statistics.median(trained[first]):.3f}, command"
        f" {statistics.median(walls[last]) / statistics.median(walls[first]):.3f};"
        f" load average after: {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
