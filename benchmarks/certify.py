"""Certified robustness on 2 cores: the issue's two targets (a benchmark that prints, not a timed test).

``python -m benchmarks.certify [--model PATH] [--data-dir DIR] [--count 1000] [--eps 2/255 8/255]
[--jobs 2] [--time-limit 60]``: the default model, the first 1,000 test images, complete method. Without
``--model`` it first trains the ``best`` preset (about 15 s on a quiet machine) into a temporary
directory. For each radius it prints the table, the wall-clock time against the target, and the load.

``python -m benchmarks.certify --target certified [--model PATH] [--method crown] [--jobs 1]``: trains
the ``certified`` preset (unless given ``--model``; target: under 10 minutes), then certifies all 10,000
test images at eps = 0.1 (target: at least 80% verified, timeouts counting as failures, with at least
95% clean accuracy) and prints by how much each target is met or missed. The machine is shared: read
every time with the load average printed beside it.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from verified_nn.certify import CertifyConfig, certify_images, check_certifiable, format_table, parse_eps, summarize
from verified_nn.data import load
from verified_nn.training import load_model, preset, train

# The targets: (seconds for the whole run, largest fraction of timeouts).
TARGETS = {"2/255": (300.0, 0.0), "8/255": (1800.0, 0.02)}
# Certified training: (seconds of training, verified fraction at eps 0.1, clean accuracy), all 10,000 images.
CERTIFIED_TARGET = (600.0, 0.80, 0.95)


def _load_text() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} on {os.cpu_count()} cores"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--eps", nargs="+", default=["2/255", "8/255"])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--target", choices=("best", "certified"), default="best")
    parser.add_argument("--method", choices=("ibp", "crown", "complete"), default="crown")
    args = parser.parse_args()
    if args.target == "certified":
        certified_target(args)
        return
    with tempfile.TemporaryDirectory() as scratch:
        model = args.model
        if model is None:
            start = time.perf_counter()
            result = train(
                preset("best"), data_dir=args.data_dir, out_dir=scratch, log_dir=scratch, name="best", echo=False
            )
            model = result.best_path
            print(f"trained preset best: {result.best.test_accuracy:.2%} in {time.perf_counter() - start:.1f} s")
        network = check_certifiable(load_model(model).network)
        test = load("mnist", "test", directory=args.data_dir, dtype=str(network.dtype), report=lambda _: None)
        images, labels = np.asarray(test.inputs)[: args.count], test.labels[: args.count]
        for text in args.eps:
            eps = parse_eps(text)
            config = CertifyConfig(eps=eps, method="complete", time_limit=args.time_limit)
            print(f"\n{_load_text()} before eps {text}")
            start = time.perf_counter()
            with tqdm(total=len(images), file=sys.stderr, leave=False, desc=f"eps {text}") as bar:
                results = certify_images(
                    network, images, labels, config, jobs=args.jobs, on_result=lambda _: bar.update()
                )
            seconds = time.perf_counter() - start
            summary = summarize(results, method="complete", eps=eps, seconds=seconds)
            print(format_table(summary))
            searched = [r for r in results if r.complete_seconds > 0]
            decided = {
                stage: sum(r.decided_by == stage for r in results)
                for stage in ("clean", "attack", "ibp", "crown", "bab")
            }
            print(
                f"  decided by   {decided}; {len(searched)} images reached branch-and-bound, "
                f"longest {max((r.complete_seconds for r in searched), default=0):.1f} s"
            )
            if text in TARGETS:
                limit, timeouts = TARGETS[text]
                met = seconds <= limit and summary.timeouts <= timeouts * summary.count
                open_images = summary.timeouts + summary.float_undecided + summary.undecided
                print(
                    f"  target       {limit:.0f} s with at most {timeouts:.0%} timeouts: {'met' if met else 'NOT met'} "
                    f"({seconds:.0f} s, {summary.timeouts} timeouts, {open_images} images open in all; "
                    f"{args.jobs} jobs; {_load_text()})"
                )


def certified_target(args: argparse.Namespace) -> None:
    """Train the certified preset (timed), then certify every test image at eps 0.1 against the targets."""
    train_limit, verified_target, clean_target = CERTIFIED_TARGET
    with tempfile.TemporaryDirectory() as scratch:
        model, train_seconds = args.model, None
        if model is None:
            print(f"{_load_text()} before training")
            start = time.perf_counter()
            result = train(
                preset("certified"), data_dir=args.data_dir, out_dir=scratch, log_dir=scratch, name="c", echo=False
            )
            train_seconds = time.perf_counter() - start
            model = result.best_path
            print(f"trained preset certified in {train_seconds:.1f} s wall ({result.train_seconds:.1f} s of steps)")
        network = check_certifiable(load_model(model).network)
        test = load("mnist", "test", directory=args.data_dir, dtype=str(network.dtype), report=lambda _: None)
        eps = parse_eps("0.1")
        config = CertifyConfig(eps=eps, method=args.method, time_limit=args.time_limit)
        print(f"{_load_text()} before certifying")
        start = time.perf_counter()
        with tqdm(total=len(test), file=sys.stderr, leave=False, desc="eps 0.1") as bar:
            results = certify_images(
                network, np.asarray(test.inputs), test.labels, config, jobs=args.jobs, on_result=lambda _: bar.update()
            )
        summary = summarize(results, method=args.method, eps=eps, seconds=time.perf_counter() - start)
        print(format_table(summary))
        verified = summary.verified / summary.count
        clean = summary.clean_accuracy
        print(
            f"  target       verified >= {verified_target:.0%}: {verified:.2%} "
            f"({'met' if verified >= verified_target else 'NOT met'}, {verified - verified_target:+.2%}); "
            f"clean >= {clean_target:.0%}: {clean:.2%} ({'met' if clean >= clean_target else 'NOT met'}, "
            f"{clean - clean_target:+.2%})"
        )
        if train_seconds is not None:
            print(
                f"  target       training under {train_limit:.0f} s: {train_seconds:.0f} s "
                f"({'met' if train_seconds < train_limit else 'NOT met'}); {_load_text()}"
            )


if __name__ == "__main__":
    main()
