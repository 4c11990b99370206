"""``verified-nn smoke``: one random batch through the network, with every result checked."""

import argparse
import dataclasses
import math

import numpy as np

from verified_nn.core import as_image, as_image_batch, as_labels
from verified_nn.network import (
    BLOCK_NAMES,
    BLOCK_SHAPES,
    PARAMETER_COUNT,
    flatten,
    float_dtype,
    global_norm,
    he_init,
    loss_and_gradients,
)
from verified_nn.verification import DEFAULT_TOLERANCE, check_network_gradients

SUM_TOLERANCE = {np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-12}


@dataclasses.dataclass(frozen=True)
class Check:
    """One line of the smoke report."""

    name: str
    detail: str
    passed: bool


def add_parser(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser("smoke", help="run one random batch through the network and check every result")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random network and batch")
    parser.add_argument("--batch-size", type=int, default=8, help="images in the random batch (>= 1)")
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32", help="forward dtype")
    parser.set_defaults(run=run)


def smoke_checks(*, seed: int, batch_size: int, dtype: str) -> list[Check]:
    """Build a random network and batch, and return every check of the smoke test."""
    rng = np.random.default_rng(seed)
    resolved = float_dtype(dtype)
    mlp = he_init(rng, dtype=resolved)
    images = as_image_batch(rng.random((batch_size, 784)), dtype=resolved)
    labels = as_labels(rng.integers(0, 10, size=batch_size))
    tolerance = SUM_TOLERANCE[resolved]

    single = mlp.forward(as_image(images[0]))
    single_gap = abs(1.0 - float(single.sum(dtype=np.float64)))
    batch_gap = float(np.abs(1.0 - mlp.forward_batch(images).sum(axis=1, dtype=np.float64)).max())
    loss, gradients = loss_and_gradients(mlp, images, labels)
    vector = flatten(gradients)
    finite = math.isfinite(loss) and bool(np.isfinite(vector).all())
    sizes = ", ".join(f"{name} {math.prod(shape)}" for name, shape in zip(BLOCK_NAMES, BLOCK_SHAPES, strict=True))
    norm = global_norm(gradients)
    report = check_network_gradients(mlp, images, labels, rng=rng)
    return [
        Check(
            "forward, one image",
            f"probabilities sum to 1 (|1 - sum| = {single_gap:.1e})",
            single_gap <= tolerance,
        ),
        Check(
            "forward, batch",
            f"{batch_size} rows sum to 1 (max |1 - sum| = {batch_gap:.1e})",
            batch_gap <= tolerance,
        ),
        Check("gradient length", f"{vector.size} = {sizes}", vector.size == PARAMETER_COUNT),
        Check("no NaN or Inf", f"loss {loss:.6f}; all {vector.size} gradient entries finite", finite),
        Check("gradient norm", f"{norm:.6f}", math.isfinite(norm) and norm > 0),
        Check(
            "gradient check (float64)",
            f"worst relative error {report.worst_relative_error:.2e} at {report.worst_location} "
            f"over {report.checked} coordinates and directions (tolerance {DEFAULT_TOLERANCE:.0e})",
            report.passed,
        ),
    ]


def run(args: argparse.Namespace) -> int:
    if args.batch_size < 1:
        raise ValueError(f"--batch-size must be >= 1, got {args.batch_size}")
    print(f"smoke test: random 784 -> 128 -> 10 network and batch (seed {args.seed}, {args.dtype})")
    checks = smoke_checks(seed=args.seed, batch_size=args.batch_size, dtype=args.dtype)
    width = max(len(check.name) for check in checks)
    for check in checks:
        print(f"  {'ok  ' if check.passed else 'FAIL'}  {check.name:<{width}}  {check.detail}")
    failed = sum(not check.passed for check in checks)
    print(f"{len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0
