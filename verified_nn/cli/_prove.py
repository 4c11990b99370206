"""``verified-nn prove``: the symbolic gradient proofs of the shipped kernels, as a table."""

import argparse
import importlib.util
import time
from typing import TYPE_CHECKING

from verified_nn.core import InvalidArgumentError, require_extra

from ._options import seed

if TYPE_CHECKING:  # sympy is optional: the proofs are imported when the command runs
    from verified_nn.proofs import EntryResult, GenericResult

# The table's built-in entries (name, kind), for --list without sympy: the entries themselves are built from
# sympy expressions. tests/test_cli_prove.py checks entry_names() against verified_nn.proofs.entries().
BUILT_IN_NAMES: tuple[tuple[str, str], ...] = (
    ("Dense 3->2", "layer"),
    ("ReLU", "layer"),
    ("LeakyReLU 0.01", "layer"),
    ("Tanh", "layer"),
    ("Dropout eval", "layer"),
    ("Dropout mask", "layer"),
    ("softmax cross-entropy", "loss"),
    ("3-3-3 ReLU", "network"),
    ("2-4-3-2 ReLU", "network"),
    ("3-3-3 LeakyReLU", "network"),
    ("3-3-3 Tanh", "network"),
    ("2-4-3-2 Tanh", "network"),
    ("2-2-2 ReLU, batch 2", "network"),
    ("3-3-3 ReLU+Dropout", "network"),
    ("Conv2D 1->2 3x3", "layer"),
    ("Conv2D 2->1 2x2 stride 2 pad 1", "layer"),
    ("MaxPool2D 2x2", "layer"),
    ("MaxPool2D 2x2, ties", "layer"),
    ("AvgPool2D 2x2", "layer"),
    ("Flatten", "layer"),
    ("tiny CNN, max pool", "network"),
    ("tiny CNN, average pool", "network"),
)


def entry_names() -> list[tuple[str, str]]:
    """Every entry's (name, kind): the built-in ones, then each registered activation's (as the table adds them)."""
    from verified_nn.layers import activation_kinds, activation_named, layer_class

    names = list(BUILT_IN_NAMES)
    built = {name for name, _ in BUILT_IN_NAMES}
    for kind in activation_kinds():
        title = layer_class(kind).__name__
        if title not in built:
            names.append((title, "layer"))
        if activation_named(kind).kinks():
            names.append((f"{title} at its kinks", "kinks"))
    return names


_HEADERS = ("entry", "kind", "cases", "identities proven", "rational checks", "time", "result")
_GENERIC_HEADERS = ("generic formula", "derived for all sizes", "small-case checks", "time", "result")


def add_parser(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser(
        "prove",
        help="prove the layers' and networks' gradients exactly (symbolic, case by case)",
        description=(
            "Run the library's own forward and backward code on exact symbols (sympy) for every case of each "
            "entry (ReLU patterns, logit orders, labels) and prove each gradient entry equal to sympy's "
            "derivative of the loss, cross-checked with exact rationals. Exit status 1 if any identity fails."
        ),
    )
    parser.add_argument(
        "--entry",
        action="append",
        default=None,
        metavar="NAME",
        help=(
            "prove only this entry (repeatable; a case-insensitive part of its name, 'generic' for the formulas "
            "for all sizes); default all"
        ),
    )
    parser.add_argument("--list", action="store_true", help="list the entries and exit")
    parser.add_argument("--seed", type=seed, default=0, help="seed of the random rational points (default 0)")
    parser.add_argument(
        "--show", type=int, default=5, metavar="N", help="list at most N failures per entry (default 5)"
    )
    parser.set_defaults(run=run)


def _row(cells: tuple[str, ...], widths: list[int], left: int) -> str:
    return "  " + " | ".join(
        cell.ljust(width) if i < left else cell.rjust(width)
        for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
    )


def _table(headers: tuple[str, ...], rows: list[tuple[str, ...]], left: int) -> None:
    widths = [max(len(cells[i]) for cells in (headers, *rows)) for i in range(len(headers))]
    print(_row(headers, widths, left))
    print("  " + "-+-".join("-" * width for width in widths))
    for cells in rows:
        print(_row(cells, widths, left))


def _plural(count: int, singular: str, plural: str) -> str:
    return f"{count} {singular if count == 1 else plural}"


def run(args: argparse.Namespace) -> int:
    if args.show < 0:
        raise InvalidArgumentError(f"--show must be >= 0, got {args.show}")
    if args.entry and any(not part.strip() for part in args.entry):
        raise InvalidArgumentError("--entry: an empty name would match every entry; give part of a name (see --list)")
    if args.list and importlib.util.find_spec("sympy") is None:
        for name, kind in entry_names():
            print(f"{name} ({kind})")
        return 0
    require_extra("sympy", extra="proofs", purpose="verified-nn prove")
    from verified_nn import proofs

    entries = list(proofs.entries())
    if args.list:
        for entry in entries:
            print(f"{entry.name} ({entry.kind})")
        return 0
    generic = True
    if args.entry:
        wanted = [part.strip().lower() for part in args.entry]
        entries = [entry for entry in entries if any(part in entry.name.lower() for part in wanted)]
        generic = any(part in "generic" for part in wanted)
        if not entries and not generic:
            raise InvalidArgumentError(f"prove: no entry matches {', '.join(args.entry)} (see --list)")
    start = time.perf_counter()
    results = [proofs.prove_entry(entry, seed=args.seed) for entry in entries]
    formulas = proofs.derive_generic() if generic else []
    if results:
        _table(_HEADERS, [_entry_row(result) for result in results], 2)
    if formulas:
        print()
        _table(_GENERIC_HEADERS, [_generic_row(result) for result in formulas], 1)
    total = time.perf_counter() - start
    failed = [result.name for result in results if not result.passed]
    failed += [f"generic {result.name}" for result in formulas if not result.passed]
    identities = sum(result.identities for result in results)
    cases = sum(result.cases for result in results)
    if not failed:
        print(
            f"proven: {_plural(identities, 'identity', 'identities')} in {_plural(cases, 'case', 'cases')} of "
            f"{_plural(len(results), 'entry', 'entries')}"
            + (f", {_plural(len(formulas), 'generic formula', 'generic formulas')}" if formulas else "")
            + f", {total:.1f} s"
        )
        return 0
    for result in results:
        if not result.passed and not result.failures:
            print(f"FAILED {result.name}: no identity was proven")
        for failure in result.failures[: args.show]:
            print(f"FAILED {failure}")
        if len(result.failures) > args.show:
            print(f"  ... and {len(result.failures) - args.show} more in {result.name}")
    for formula in formulas:
        if not formula.passed:
            print(f"FAILED generic {formula.name}: {formula.statement}")
    print(f"not proven: {', '.join(failed)} ({total:.1f} s)")
    return 1


def _entry_row(result: "EntryResult") -> tuple[str, ...]:
    verdict = "proven" if result.passed else f"FAILED ({len(result.failures)})"
    cells = (result.cases, result.identities, result.checked_points)
    return (result.name, result.kind, *(str(cell) for cell in cells), f"{result.seconds:.2f} s", verdict)


def _generic_row(result: "GenericResult") -> tuple[str, ...]:
    verdict = "proven" if result.passed else "FAILED"
    derived = "yes" if result.derived else "no"
    return (result.name, derived, str(result.instance_checks), f"{result.seconds:.2f} s", verdict)
