"""``verified-nn certify MODEL --eps 2/255``: certified robustness of a saved model on the test images."""

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from verified_nn.certify import (
    COUNTEREXAMPLE,
    DEFAULT_CONNECT_TIMEOUT,
    METHODS,
    PIXELS,
    UNBOUNDED,
    CertifyConfig,
    CertifyError,
    ImageResult,
    InputRange,
    Summary,
    as_json,
    certify_images,
    check_certifiable,
    check_solver,
    format_table,
    parse_address,
    parse_eps,
    parse_input_range,
    probe_scheduler,
    side_by_side,
    summarize,
    write_png,
)
from verified_nn.core import require_extra
from verified_nn.files import SECONDS, OutputError, check_output, check_output_directory, check_workers, write_output
from verified_nn.network import Network
from verified_nn.training import load_model, network_input

from ._data_options import data_notes, model_data
from ._options import add_dataset_options, dataset_files, seed

DEFAULT_COUNT = 100  # test examples certified without --count
MAX_CONNECT_TIMEOUT = 60.0  # seconds: a scheduler that needs longer to answer is not one to certify on


def add_parser(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser(
        "certify", help="certify robustness to L-infinity perturbations (bounds, attack, exact MILP)"
    )
    parser.add_argument("model", type=Path, help="a model file written by train")
    group = parser.add_argument_group("certification")
    group.add_argument("--eps", required=True, help="the L-infinity radius, in the inputs' units: 2/255, 0.01, ...")
    group.add_argument(
        "--input-range",
        default=None,
        metavar="pixels|none|LOW:HIGH",
        help="the range every input value can take; each ball is clipped to it: pixels ([0, 1]), none (unbounded) "
        "or LOW:HIGH (default: pixels when every test input lies in [0, 1], else none)",
    )
    group.add_argument(
        "--count", type=int, default=None, help="the first N test examples (default 100, or all if fewer)"
    )
    group.add_argument("--method", choices=METHODS, default="complete", help="ibp, crown, or complete (default)")
    group.add_argument(
        "--time-limit",
        type=float,
        default=60.0,
        help="seconds per image for branch-and-bound, --method complete (default 60)",
    )
    group.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    group.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="hand the images to this Dask distributed scheduler, e.g. tcp://host:8786 (extra 'dask'; not with --jobs)",
    )
    group.add_argument(
        "--connect-timeout",
        type=float,
        default=DEFAULT_CONNECT_TIMEOUT,
        metavar="SECONDS",
        help=f"with --scheduler: seconds to reach the scheduler and hear its handshake, at most "
        f"{MAX_CONNECT_TIMEOUT:g} (default {DEFAULT_CONNECT_TIMEOUT:g})",
    )
    group.add_argument("--seed", type=seed, default=0, help="seed of the attack's random restarts (default 0)")
    output = parser.add_argument_group("output")
    output.add_argument("--json", type=Path, default=None, help="write the summary and every verdict here")
    output.add_argument("--png", type=Path, default=None, help="write each counterexample beside its original here")
    add_dataset_options(parser, default=None, data=True)
    parser.set_defaults(run=run)


def load_network(path: Path) -> Network[Any, Any]:
    """The model file at ``path``, checked to be one certify can bound (one line naming a layer if not)."""
    return check_certifiable(load_model(path).network)


def write_counterexamples(
    directory: Path,
    results: list[ImageResult],
    images: np.ndarray[Any, Any],
    eps: float,
    *,
    inputs: list[Path] | None = None,
) -> int:
    """One PNG per counterexample: original (``images[index]``), counterexample, difference; returns the count.

    ``directory`` is created if missing (never a symbolic link to one); each PNG is written by
    :func:`verified_nn.files.write_output`, never over one of ``inputs`` nor over a file that is not a PNG
    (checked for every image before any is written: OutputError).
    """
    check_output_directory(directory, option="--png", parents=True)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"--png {directory}: cannot create the directory ({error.strerror})") from None
    found = [
        (directory / f"{r.index:05d}-label{r.label}-as{r.counterexample_class}.png", r.index, example)
        for r in results
        if r.status == COUNTEREXAMPLE and (example := r.counterexample) is not None
    ]
    for path, _, _ in found:  # all before any is written: a file of another kind there is never replaced
        check_output(path, inputs=inputs or [], option="--png", kind="png")
    for path, index, counterexample in found:
        write_png(path, side_by_side(images[index], counterexample, eps), inputs=inputs or [])
    return len(found)


def _advance(bar: "tqdm[Any]") -> None:
    bar.update(1)


def _eps_option(error: CertifyError) -> CertifyError:
    return CertifyError("--" + str(error))  # "eps must lie in [0, 1], got 2": name the option as typed


def _png_fits(network: Network[Any, Any], input_range: InputRange) -> None:
    """CertifyError unless ``--png`` can draw this network's inputs: square greyscale images of pixels."""
    size = math.prod(network.input_shape() or ())
    side = math.isqrt(size)
    if input_range != PIXELS or side * side != size:
        raise CertifyError(
            f"--png draws square greyscale images of pixels in [0, 1]; these inputs are "
            f"{list(network.input_shape() or ())} in the input range {input_range}: leave out --png"
        )


def _write(
    args: argparse.Namespace,
    summary: Summary,
    results: list[ImageResult],
    images: np.ndarray[Any, Any],
    requested: int,
    inputs: list[Path],
) -> None:
    """The ``--json`` record and the ``--png`` images of ``results`` (all ``requested`` examples, or those that
    finished before the run stopped)."""
    if args.json is not None:
        text = json.dumps(as_json(summary, results, requested=requested), indent=1) + "\n"
        write_output(args.json, text.encode("utf-8"), inputs=inputs, option="--json", parents=True)
        print(f"wrote {args.json}")
    if args.png is not None:
        written = write_counterexamples(args.png, results, images, float(summary.eps), inputs=inputs)
        print(f"wrote {written} counterexample images to {args.png}")


def run(args: argparse.Namespace) -> int:
    try:
        eps = parse_eps(args.eps)
    except CertifyError as error:
        raise _eps_option(error) from None
    try:
        chosen = parse_input_range(args.input_range) if args.input_range is not None else None
    except CertifyError as error:
        raise CertifyError(f"--input-range: {error}") from None
    if chosen is not None:
        try:
            chosen.check_radius(eps)
        except CertifyError as error:
            raise _eps_option(error) from None
    if not 0 < args.time_limit < math.inf:
        raise CertifyError(f"--time-limit must be a finite number of seconds > 0, got {args.time_limit:g}")
    problem = SECONDS.over(math.ceil(args.time_limit), "--time-limit: each image may take")
    if problem is not None:
        raise CertifyError(problem)
    if args.count is not None and args.count < 1:
        raise CertifyError(f"--count must be >= 1, got {args.count}")
    if args.jobs < 1:
        raise CertifyError(f"--jobs must be >= 1, got {args.jobs}")
    check_solver(args.method)
    if args.scheduler is not None and args.jobs != 1:
        raise CertifyError("--jobs and --scheduler cannot be combined: the cluster's workers set the parallelism")
    check_workers(args.jobs, option="--jobs")
    if not 0 < args.connect_timeout <= MAX_CONNECT_TIMEOUT:
        raise CertifyError(
            f"--connect-timeout must lie in (0, {MAX_CONNECT_TIMEOUT:g}] seconds, got {args.connect_timeout:g}"
        )
    if args.scheduler is not None:  # its form and a handshake now, not after loading the model and the data
        require_extra("distributed", extra="dask", purpose="certify --scheduler (a Dask cluster)")
        probe_scheduler(parse_address(args.scheduler), timeout=args.connect_timeout)
    inputs = [args.model, *dataset_files(args)]
    if args.json is not None:  # before any image is certified: a bad path must not cost the whole run
        check_output(args.json, inputs=inputs, option="--json", parents=True, kind="json")
    if args.png is not None:
        check_output_directory(args.png, option="--png", parents=True)
    saved = load_model(args.model)
    network = check_certifiable(saved.network)
    test, record, origin, read_notes = model_data(args, args.model, saved)
    for note in [*read_notes, *data_notes(args, args.model, test, record, doing="certifying")]:
        print(note)
    low, high = test.value_range
    input_range = chosen if chosen is not None else PIXELS if PIXELS.holds(np.array([low, high])) else UNBOUNDED
    if not input_range.holds(np.array([low, high])):  # every ball is clipped to the range: its centre must lie in it
        raise CertifyError(
            f"{test.source}: these inputs range over [{low:g}, {high:g}], outside --input-range {input_range}: "
            f"give the range they can take (--input-range LOW:HIGH, or none)"
        )
    try:
        config = CertifyConfig(
            eps=eps, method=args.method, time_limit=args.time_limit, seed=args.seed, input_range=input_range
        )
    except CertifyError as error:
        raise _eps_option(error) from None
    if args.png is not None:
        _png_fits(network, input_range)
    count = min(DEFAULT_COUNT if args.count is None else args.count, len(test))
    if args.count is not None and args.count > count:  # asked for more than there are: said, not silent
        print(f"note: --count {args.count}: the test set holds {len(test)} examples; certifying all {count}")
    images = network_input(network, test.take(slice(0, count), dtype=network.dtype))  # in the network's input shape
    start = time.perf_counter()
    finished: list[ImageResult] = []  # what a run stopped early still writes

    def keep(result: ImageResult) -> None:
        finished.append(result)
        _advance(bar)

    try:
        # disable=None: the bar is drawn on a terminal only, so that a log or a pipe reads one line per error
        with tqdm(total=count, desc="certify", unit="image", file=sys.stderr, leave=False, disable=None) as bar:
            results = certify_images(
                network,
                images,
                test.labels[:count],
                config,
                jobs=args.jobs,
                scheduler=args.scheduler,
                on_result=keep,
                connect_timeout=args.connect_timeout,
            )
    except BaseException as error:  # keep what finished: a long run stopped early is not wasted
        done = sorted(finished, key=lambda result: result.index)
        if args.json is None and args.png is None:
            raise
        if done:
            summary = summarize(
                done, method=args.method, eps=eps, seconds=time.perf_counter() - start, input_range=input_range
            )
            _write(args, summary, done, images, count, inputs)
            kept = f"the {len(done)} of {count} examples that finished are written"
        else:  # nothing to keep: the files of an earlier run stay as they were
            kept = "no example finished; nothing was written"
        if isinstance(error, KeyboardInterrupt):
            raise KeyboardInterrupt(f"interrupted: {kept}") from None
        print(f"verified-nn: {kept}", file=sys.stderr)
        raise
    summary = summarize(
        results, method=args.method, eps=eps, seconds=time.perf_counter() - start, input_range=input_range
    )
    print(f"{args.model} on {test.name} test{origin and f' ({origin[2:]})'}")
    print(format_table(summary))
    _write(args, summary, results, images, count, inputs)
    return 0
