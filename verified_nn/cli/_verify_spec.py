"""``verified-nn verify-spec MODEL PROPERTY.vnnlib``: decide a VNNLIB property; ``--instances``: a whole benchmark."""

import argparse
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

from verified_nn.certify import DEFAULT_CONNECT_TIMEOUT, parse_address, probe_scheduler
from verified_nn.core import InvalidArgumentError, require_extra
from verified_nn.files import SECONDS, check_output, check_output_directory, check_workers, write_output
from verified_nn.search import (
    RESULTS,
    UNKNOWN,
    InstanceResult,
    SearchConfig,
    counterexample_files,
    load_network,
    read_instances,
    results_csv,
    run_instances,
    verify,
)
from verified_nn.spec import SpecError, read_vnnlib

from ._options import seed


def add_parser(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser(
        "verify-spec",
        help="decide a VNNLIB property of a network (sat with a counterexample, unsat, unknown, timeout)",
        description="Decide whether some input of a VNNLIB property's boxes violates it. The first line printed "
        "is sat, unsat, unknown or timeout; for sat the counterexample follows, checked in the network's "
        "dtype (and by onnxruntime for an ONNX model). With --instances, run every line of a VNN-COMP "
        "instances.csv within its own time limit and write the results in VNN-COMP's format. "
        "See docs/competition.md.",
    )
    parser.add_argument("model", nargs="?", type=Path, help="an ONNX file or a verified-nn model file")
    parser.add_argument("property", nargs="?", type=Path, help="a VNNLIB file")
    parser.add_argument(
        "--timeout", type=float, default=None, help="seconds to decide the property once it is read (default 60)"
    )
    parser.add_argument("--seed", type=seed, default=0, help="seed of the attacks' random starts (default 0)")
    folder = parser.add_argument_group("a benchmark folder")
    folder.add_argument("--instances", type=Path, metavar="CSV", help="a VNN-COMP instances.csv")
    folder.add_argument("--results", type=Path, metavar="CSV", help="write the results here (with --instances)")
    folder.add_argument("--jobs", type=int, default=1, help="instances decided at once, in processes (default 1)")
    folder.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="hand the instances to this Dask distributed scheduler, e.g. tcp://host:8786 (extra 'dask'; not with "
        "--jobs; the workers must see the benchmark folder at the same path)",
    )
    folder.add_argument(
        "--counterexamples",
        type=Path,
        metavar="DIR",
        help="write each sat answer to DIR/<model>_<property>.counterexample",
    )
    parser.set_defaults(run=run)


def _check(args: argparse.Namespace) -> None:
    if args.instances is None:
        if args.model is None or args.property is None:
            raise InvalidArgumentError("verify-spec: give MODEL and PROPERTY, or --instances CSV --results CSV")
        for option in ("results", "counterexamples"):
            if getattr(args, option) is not None:
                raise InvalidArgumentError(f"--{option} goes with --instances")
        if args.scheduler is not None:
            raise InvalidArgumentError("--scheduler goes with --instances")
        if args.jobs != 1:
            raise InvalidArgumentError("--jobs goes with --instances (one property is decided in one process)")
        if args.timeout is not None:
            _check_seconds(args.timeout, "--timeout")
        return
    if args.model is not None or args.property is not None:
        raise InvalidArgumentError("verify-spec: --instances takes no MODEL or PROPERTY (the file lists them)")
    if args.timeout is not None:
        raise InvalidArgumentError("--timeout: with --instances each instance has its own time limit")
    if args.results is None:
        raise InvalidArgumentError("--instances needs --results CSV (where to write the results)")
    check_output(args.results, inputs=[args.instances], option="--results", kind="results")
    if args.counterexamples is not None:
        check_output_directory(args.counterexamples, option="--counterexamples", parents=True)
    check_workers(args.jobs, option="--jobs")  # at most the cores: each job is a process
    if args.scheduler is not None and args.jobs != 1:
        raise InvalidArgumentError(
            "--jobs and --scheduler cannot be combined: the cluster's workers set the parallelism"
        )
    if args.scheduler is not None:  # its form and a handshake now, not after reading the instances
        require_extra("distributed", extra="dask", purpose="verify-spec --scheduler (a Dask cluster)")
        probe_scheduler(parse_address(args.scheduler), timeout=DEFAULT_CONNECT_TIMEOUT)


def _check_seconds(seconds: float, option: str) -> None:
    """A time limit: finite, > 0 and within the seconds ceiling (docs/reliability.md)."""
    if not 0 < seconds < math.inf:
        raise InvalidArgumentError(f"{option} must be a finite number of seconds > 0, got {seconds:g}")
    problem = SECONDS.over(math.ceil(seconds), f"{option}: the property may take")
    if problem is not None:
        raise InvalidArgumentError(problem)


def _one(args: argparse.Namespace) -> int:
    network, confirm = load_network(args.model)
    spec = read_vnnlib(args.property)
    try:
        verdict = verify(
            network, spec, timeout=args.timeout or 60.0, config=SearchConfig(seed=args.seed), confirm=confirm
        )
    except SpecError as error:  # the property and the network do not fit: name both
        raise SpecError(f"{args.property} on {args.model}: {error}") from None
    sys.stdout.write(verdict.text())
    how = f" by {verdict.stage}" if verdict.stage else ""
    note = f" ({verdict.note})" if verdict.note else ""
    print(f"verified-nn: {verdict.result}{how} in {verdict.seconds:.2f} s{note}", file=sys.stderr)
    return 0


def _progress(total: int, finished: list[InstanceResult]) -> Callable[[InstanceResult], None]:
    """Print a line per finished instance and keep it in ``finished`` (written out if the run is interrupted)."""

    def report(result: InstanceResult) -> None:
        finished.append(result)
        name = result.instance.name
        seconds = result.prepare_seconds + result.run_seconds
        why = f": {result.note}" if result.result == UNKNOWN and result.note else ""  # what could not be done
        print(f"[{len(finished)}/{total}] {name}: {result.result} ({seconds:.1f} s){why}", file=sys.stderr, flush=True)

    return report


def _write(args: argparse.Namespace, results: list[InstanceResult], category: str) -> None:
    write_output(args.results, results_csv(results, category).encode(), inputs=[args.instances], option="--results")
    if args.counterexamples is not None:
        written = counterexample_files(results, args.counterexamples)
        print(f"wrote {len(written)} counterexamples to {args.counterexamples}")


def run(args: argparse.Namespace) -> int:
    _check(args)
    if args.instances is None:
        return _one(args)
    instances = read_instances(args.instances)
    category = args.instances.resolve().parent.name
    start = time.monotonic()
    finished: list[InstanceResult] = []
    try:
        results = run_instances(
            instances,
            jobs=args.jobs,
            scheduler=args.scheduler,
            config=SearchConfig(seed=args.seed),
            on_result=_progress(len(instances), finished),
        )
    except BaseException as error:  # keep what finished: a long benchmark run stopped early is not wasted
        order = {instance: index for index, instance in enumerate(instances)}
        done = sorted(finished, key=lambda result: order[result.instance])
        if done:
            _write(args, done, category)
            kept = f"the {len(done)} of {len(instances)} instances that finished are in {args.results}"
        else:  # nothing to keep: a results file of an earlier run stays as it was
            kept = f"no instance finished; {args.results} was not written"
        if isinstance(error, KeyboardInterrupt):
            raise KeyboardInterrupt(f"interrupted: {kept}") from None
        print(f"verified-nn: {kept}", file=sys.stderr)
        raise
    _write(args, results, category)
    counts = {kind: sum(r.result == kind for r in results) for kind in RESULTS}
    summary = ", ".join(f"{count} {kind}" for kind, count in counts.items())
    print(f"{category}: {len(results)} instances in {time.monotonic() - start:.1f} s: {summary}")
    print(f"wrote {args.results}")
    return 0
