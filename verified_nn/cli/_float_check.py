"""``verified-nn float-check MODEL``: is every float prediction the class exact real arithmetic gives?"""

import argparse
import math
from pathlib import Path
from typing import Any

import numpy as np

from verified_nn.bounds import rule_for
from verified_nn.core import InvalidArgumentError
from verified_nn.data import SPLITS
from verified_nn.exact import FloatCheckReport, Outcome, float_check, rational
from verified_nn.network import Network
from verified_nn.training import load_model, network_input

from ._data_options import data_notes, model_data
from ._options import add_dataset_options

_WHAT = {
    Outcome.DISAGREE: "disagreement",
    Outcome.TIE: "exact tie",
    Outcome.UNDECIDED: "undecided",
}
_HEADERS = ("images", "decided by bound", "settled exactly", "disagreements", "exact ties", "undecided", "time")


def add_parser(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser(
        "float-check",
        help="prove each prediction's float class equals the class of exact real arithmetic",
        description=(
            "Bound every logit's float rounding error rigorously, decide each image's class from the bound, "
            "settle the rest with an exact rational forward pass. Exit status 1 if any image disagrees, ties "
            "exactly or stays undecided (or the audit finds a logit outside its bound), unless --report-only."
        ),
    )
    parser.add_argument("model", type=Path, help="a model file written by train")
    add_dataset_options(parser, default=None, data=True)
    parser.add_argument(
        "--split", choices=SPLITS, default="test", help="the test or the training part of the data (default test)"
    )
    parser.add_argument(
        "--count", type=int, default=None, metavar="N", help="check only the first N images (default all)"
    )
    parser.add_argument(
        "--audit",
        type=int,
        default=100,
        metavar="N",
        help=(
            "also recompute N images exactly and compare every logit with its bound (default 100; networks of "
            "rational layers only: a tanh or sigmoid network's audit is skipped, and the output says so)"
        ),
    )
    parser.add_argument("--show", type=int, default=10, metavar="N", help="list at most N failing images (default 10)")
    parser.add_argument("--report-only", action="store_true", help="exit 0 whatever the outcome")
    parser.set_defaults(run=run)


def _table(report: FloatCheckReport) -> list[str]:
    cells = (
        str(report.images),
        str(report.count(Outcome.BOUND)),
        str(report.settled_exactly),
        str(report.count(Outcome.DISAGREE)),
        str(report.count(Outcome.TIE)),
        str(report.count(Outcome.UNDECIDED)),
        f"{report.seconds:.2f} s",
    )
    widths = [max(len(h), len(c)) for h, c in zip(_HEADERS, cells, strict=True)]
    widths[-1] = max(widths[-1], len("1000.00 s"))  # the time's width, so the table's shape does not vary with it
    return [
        "  " + " | ".join(h.rjust(w) for h, w in zip(_HEADERS, widths, strict=True)),
        "  " + " | ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True)),
    ]


def _failure_lines(report: FloatCheckReport, show: int) -> list[str]:
    lines = []
    for index in report.failures()[:show].tolist():
        outcome = Outcome(int(report.outcomes[index]))
        real = int(report.real_classes[index])
        top = int(report.float_classes[index])
        lines.append(
            f"  image {index}: {_WHAT[outcome]}: float class {top}, real class {real if real >= 0 else '-'}, "
            f"float margin {report.margins[index]:.3g}, largest bound {report.bounds[index].max():.3g}"
        )
    hidden = len(report.failures()) - show
    if hidden > 0:
        lines.append(f"  ... and {hidden} more")
    return lines


def percent_below(ratio: float) -> str:
    """``ratio`` as a percentage with two decimals, rounded down: the audit's bound is the float logit's
    distance to a float64 enclosure of the real one, so its largest error is just below 100% of it (99.9995%
    on a small CNN), and rounding to nearest would print the 100.00% that only an error *at* its bound has."""
    hundredths = math.floor(ratio * 10_000 + 1e-6)  # 0.0053 is 52.999... ten-thousandths in binary
    return f"{hundredths / 100:.2f}%"


def _audit_line(report: FloatCheckReport, network: Network[Any, Any], asked: int) -> str | None:
    """The audit's one line: its verdict, or why it was skipped (a layer that is not rational); nothing when
    ``--audit 0`` asked for none."""
    found = report.audit
    if found is None:
        if asked == 0 or rational(network):
            return None
        return (
            "  audit: skipped: the network has a layer (tanh, sigmoid) whose values exact rational arithmetic "
            "cannot compute; the audit covers networks of rational layers only"
        )
    verdict = (
        f"every logit within its bound (largest error {percent_below(found.worst_ratio)} of its bound)"
        if found.violations == 0
        else f"{found.violations} logits OUTSIDE their bound"
    )
    if found.class_mismatches:
        verdict += f"; {found.class_mismatches} bound-decided images have another real class"
    return f"  audit: {found.images} images recomputed exactly in {report.audit_seconds:.2f} s: {verdict}"


def run(args: argparse.Namespace) -> int:
    if args.count is not None and args.count < 1:
        raise InvalidArgumentError(f"--count must be at least 1, got {args.count}")
    if args.audit < 0 or args.show < 0:
        raise InvalidArgumentError("--audit and --show must not be negative")
    saved = load_model(args.model)
    data, record, origin, read_notes = model_data(args, args.model, saved, part=args.split)
    for note in [*read_notes, *data_notes(args, args.model, data, record, doing="checking", part=args.split)]:
        print(note)
    if args.count is not None:
        if args.count > len(data):
            raise InvalidArgumentError(
                f"--count {args.count} exceeds the {len(data):,} examples of {data.name} {args.split}"
            )
        data = data.subset(slice(0, args.count))
    network = saved.network
    for index, layer in enumerate(network.layers):
        rule_for(layer, index=index)  # one line naming a layer the bound core cannot handle
    inputs = network_input(network, data.take(slice(None), dtype=network.dtype))
    report = float_check(network, inputs, audit_size=args.audit)
    print(f"{args.model}: {report.network} on {data.name} {args.split} ({report.images} examples{origin})")
    finite = report.bounds[np.isfinite(report.bounds)]
    if finite.size:
        print(
            f"  error bound per logit: median {np.median(finite):.2g}, largest {finite.max():.2g}; "
            f"smallest float margin {report.margins.min():.2g}"
        )
    for line in _table(report) + _failure_lines(report, args.show):
        print(line)
    audit_line = _audit_line(report, network, args.audit)
    if audit_line is not None:
        print(audit_line)
    if report.passed:
        print("  every float class is the class of exact real arithmetic")
        return 0
    return 0 if args.report_only else 1
