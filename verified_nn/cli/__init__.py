"""The ``verified-nn`` command line: one entry point with subcommands."""

import argparse
import sys
from collections.abc import Sequence

from verified_nn import __version__
from verified_nn.core import InvalidArgumentError, ShapeError
from verified_nn.training import TrainingError

from . import _data, _models, _render, _smoke, _train, _verify

USER_ERRORS = (InvalidArgumentError, ShapeError, ValueError, OSError, TrainingError)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="verified-nn",
        description="A shape-typed MNIST network whose gradients and invariants are checked.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    _train.add_parser(subparsers)
    _models.add_parser(subparsers)
    _render.add_parser(subparsers)
    _data.add_parser(subparsers)
    _smoke.add_parser(subparsers)
    _verify.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status. User errors print one line, no traceback."""
    args = build_parser().parse_args(argv)
    try:
        status: int = args.run(args)
    except USER_ERRORS as error:
        print(f"verified-nn: error: {error}".splitlines()[0], file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("verified-nn: interrupted", file=sys.stderr)
        return 130
    return status
