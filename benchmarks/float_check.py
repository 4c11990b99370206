"""The float check of the 10,000 MNIST test images against a plain float forward pass of the same images.

Run: ``python -m benchmarks.float_check [--model PATH] [--data-dir DIR] [--rounds N]``. Without
``--model``, trains the default model first (about 5 s). Times, interleaved over ``--rounds`` rounds:
- the float check (``float_check``: float pass, bound, exact settling of what the bound leaves open);
- the library's float forward pass of the same images (``Network.logits``, batches of 2,000 as ``evaluate``);
then, once, the exact integer pass per image (what each image the bound cannot decide costs).
"""

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._timing import interleaved_medians
from verified_nn.data import load
from verified_nn.exact import Outcome, exact_logits, float_check
from verified_nn.network import Network
from verified_nn.training import load_model, preset, train


def _model(path: str | None, data_dir: str | None) -> Network[Any, Any]:
    if path is not None:
        return load_model(Path(path)).network
    with tempfile.TemporaryDirectory() as scratch:
        result = train(preset(None), data_dir=data_dir, out_dir=scratch, log_dir=scratch, name="bench", echo=False)
        return load_model(result.best_path).network


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=None, help="a model file (default: train the default model)")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    mlp = _model(args.model, args.data_dir)
    test = load("mnist", "test", directory=args.data_dir, dtype=str(mlp.dtype), report=lambda _: None)
    network = mlp

    def forward() -> None:
        for start in range(0, len(test), 2_000):
            mlp.logits(np.asarray(test.inputs)[start : start + 2_000])

    medians = interleaved_medians(
        {"float check": lambda: float_check(network, np.asarray(test.inputs)), "float forward": forward},
        rounds=args.rounds,
        calls=1,
    )
    report = float_check(network, np.asarray(test.inputs))
    start = time.perf_counter()
    exact_logits(network, np.asarray(test.inputs)[:64])
    per_image = (time.perf_counter() - start) / 64

    print(f"float check of {report.images} MNIST test images, {report.network}")
    print(
        f"  decided by bound {report.count(Outcome.BOUND)} | settled exactly {report.settled_exactly} | "
        f"disagreements {report.count(Outcome.DISAGREE)} | exact ties {report.count(Outcome.TIE)} | "
        f"undecided {report.count(Outcome.UNDECIDED)}"
    )
    print(f"  float check     {medians['float check']:7.3f} s  (median of {args.rounds}; target: under 60 s)")
    print(f"  float forward   {medians['float forward']:7.3f} s")
    print(f"  ratio           {medians['float check'] / medians['float forward']:7.1f}x the plain float forward pass")
    whole = per_image * len(test)
    print(f"  exact pass      {per_image * 1e3:7.2f} ms per image in integers (64 timed), {whole:.1f} s for all")
    print(f"  error bounds    median {np.median(report.bounds):.2g}, largest {report.bounds.max():.2g}")


if __name__ == "__main__":
    main()
