"""``verified-nn smoke``: one random batch through a network (built, or loaded), with every result checked."""

import argparse
import dataclasses
import math
from pathlib import Path
from typing import Any

import numpy as np

from verified_nn.core import InvalidArgumentError, ShapeError
from verified_nn.files import PARAMETERS
from verified_nn.layers import Dropout, Mode
from verified_nn.network import Batch, Network, check_same_structure, flatten, float_dtype, global_norm, mlp
from verified_nn.training import load_model, mlp_parameters, size_problem
from verified_nn.verification import DEFAULT_TOLERANCE, check_network_gradients

from ._options import add_architecture_options, seed

SUM_TOLERANCE = {np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-12}
MAX_BATCH = 1_000  # the gradient check costs minutes and gigabytes on 100,000 images, and finds nothing more


@dataclasses.dataclass(frozen=True)
class Check:
    """One line of the smoke report."""

    name: str
    detail: str
    passed: bool


def add_parser(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser("smoke", help="run one random batch through a network and check every result")
    parser.add_argument("--model", type=Path, default=None, help="check this saved model instead of a new network")
    parser.add_argument("--seed", type=seed, default=0, help="seed of the random network and batch (default 0)")
    parser.add_argument(
        "--batch-size", type=int, default=8, help=f"images in the random batch, 1..{MAX_BATCH} (default 8)"
    )
    parser.add_argument(
        "--dtype", choices=("float32", "float64"), default=None, help="dtype (default float32, or the model's)"
    )
    add_architecture_options(parser, defaults="when no --model is given")
    parser.set_defaults(run=run)


def smoke_checks(network: Network[Any, Any], *, seed: int, batch_size: int) -> list[Check]:
    """Run a random batch through ``network`` and return every check of the smoke test."""
    rng = np.random.default_rng(seed)
    dtype = network.dtype
    inputs = network.input_shape() or (784,)
    images = rng.random((batch_size, *inputs)).astype(dtype)
    labels = rng.integers(0, network.classes, size=batch_size)
    tolerance = SUM_TOLERANCE[dtype]
    random_layers = any(isinstance(layer, Dropout) for layer in network.layers)
    mode = Mode.train(seed) if random_layers else Mode()

    single = network.probabilities(images[:1])[0]
    single_gap = abs(1.0 - float(single.sum(dtype=np.float64)))
    batch_gap = float(np.abs(1.0 - network.probabilities(images).sum(axis=1, dtype=np.float64)).max())
    loss, gradients = network.loss_and_gradients(Batch.of(images).labelled(labels), mode=mode)
    try:
        check_same_structure(network, gradients, where="gradients")
        shaped, shapes = (
            True,
            ", ".join(
                f"{n} {'x'.join(map(str, p.shape))}"
                for n, p in zip(network.parameter_names(), gradients.parameters(), strict=True)
            ),
        )
    except ShapeError as error:
        shaped, shapes = False, str(error)
    vector = flatten(gradients)
    finite = math.isfinite(loss) and bool(np.isfinite(vector).all())
    norm = global_norm(gradients)
    report = check_network_gradients(network, images, labels, rng=rng, mode=mode)
    held = " (dropout mask held fixed)" if random_layers else ""
    return [
        Check("forward, one image", f"probabilities sum to 1 (|1 - sum| = {single_gap:.1e})", single_gap <= tolerance),
        Check(
            "forward, batch", f"{batch_size} rows sum to 1 (max |1 - sum| = {batch_gap:.1e})", batch_gap <= tolerance
        ),
        Check("gradient shapes", shapes, shaped),
        Check("no NaN or Inf", f"loss {loss:.6f}; all {vector.size} gradient entries finite", finite),
        Check("gradient norm", f"{norm:.6f}", math.isfinite(norm) and norm > 0),
        Check(
            "gradient check (float64)",
            f"worst relative error {report.worst_relative_error:.2e} at {report.worst_location} "
            f"over {report.checked} coordinates and directions{held} (tolerance {DEFAULT_TOLERANCE:.0e})",
            report.passed,
        ),
    ]


def _network(args: argparse.Namespace) -> Network[Any, Any]:
    asked = [f"--{name}" for name in ("hidden", "activation", "dropout") if getattr(args, name) is not None]
    if args.model is not None:
        if asked:
            raise InvalidArgumentError(
                f"{', '.join(asked)} describe a new network; --model {args.model} brings its own"
            )
        network = load_model(args.model).network
        return network.astype(args.dtype) if args.dtype else network
    hidden = args.hidden if args.hidden is not None else (128,)
    widths = ",".join(map(str, hidden)) or "none"
    problem = PARAMETERS.over(mlp_parameters((784, *hidden, 10)), f"--hidden {widths}: the network has")
    if problem is not None:
        raise InvalidArgumentError(problem)
    return mlp(
        (784, *hidden, 10),
        rng=np.random.default_rng(args.seed),
        activation=args.activation or "relu",
        dropout=args.dropout or 0.0,
        dtype=float_dtype(args.dtype or "float32"),
    )


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.batch_size <= MAX_BATCH:
        raise InvalidArgumentError(f"--batch-size must lie in 1..{MAX_BATCH}, got {args.batch_size}")
    network = _network(args)
    problem = size_problem(network, batch=args.batch_size)
    if problem is not None:
        raise InvalidArgumentError(f"--batch-size {args.batch_size}: {problem}")
    source = f"{args.model}" if args.model is not None else "random network"
    print(f"smoke test: {source} {network.describe()} (seed {args.seed}, {network.dtype})")
    checks = smoke_checks(network, seed=args.seed, batch_size=args.batch_size)
    width = max(len(check.name) for check in checks)
    for check in checks:
        print(f"  {'ok  ' if check.passed else 'FAIL'}  {check.name:<{width}}  {check.detail}")
    failed = sum(not check.passed for check in checks)
    print(f"{len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0
