"""The ``verified-nn`` command line: one entry point with subcommands.

The subcommands are imported when :func:`main` runs rather than when this package is imported, so that
an error raised while the library loads (a bad ``VERIFIED_NN_RUNTIME_CHECKS`` value) is reported like
any other user error: one line, no traceback.
"""

import argparse
import contextlib
import io
import os
import select
import signal
import sys
from collections.abc import Sequence
from typing import NoReturn, cast


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, like every other user error: the usage block that
    argparse prints first is replaced by a pointer to ``--help`` (subcommand parsers inherit the class)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    from verified_nn import __version__

    from . import (
        _certify,
        _data,
        _export,
        _float_check,
        _import_onnx,
        _models,
        _predict,
        _prove,
        _render,
        _smoke,
        _train,
        _verify,
        _verify_spec,
    )

    parser = _Parser(
        prog="verified-nn",
        description="Shape-typed neural networks whose gradients and invariants are checked.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    # typed as the base class the subcommand modules take; at run time they build _Parser instances
    subparsers = cast(
        "argparse._SubParsersAction[argparse.ArgumentParser]",
        parser.add_subparsers(title="commands", metavar="COMMAND", required=True),
    )
    _train.add_parser(subparsers)
    _models.add_parser(subparsers)
    _render.add_parser(subparsers)
    _data.add_parser(subparsers)
    _smoke.add_parser(subparsers)
    _verify.add_parser(subparsers)
    _float_check.add_parser(subparsers)
    _prove.add_parser(subparsers)
    _predict.add_parser(subparsers)
    _export.add_parser(subparsers)
    _import_onnx.add_parser(subparsers)
    _certify.add_parser(subparsers)
    _verify_spec.add_parser(subparsers)
    return parser


def user_errors() -> tuple[type[BaseException], ...]:
    """The exception types that mean "the input or the environment is wrong": reported as one line."""
    from verified_nn.core import InvalidArgumentError, ShapeError
    from verified_nn.training import TrainingError

    return (InvalidArgumentError, ShapeError, ValueError, OSError, TrainingError)


def _error(message: object) -> int:
    print(f"verified-nn: error: {message}".splitlines()[0], file=sys.stderr)
    return 2


def _tolerant_output() -> None:
    """Print names that are not valid in the terminal's encoding (a file name that is not UTF-8)
    as backslash escapes instead of failing on them."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def _stdout_is_a_closed_pipe() -> bool:
    """Whether standard output is a pipe whose reader has gone (``verified-nn ... | head``)."""
    try:
        descriptor = sys.stdout.fileno()
    except (OSError, ValueError, AttributeError):
        return False
    if not hasattr(select, "poll"):
        return True  # cannot tell: the broken pipe is most likely standard output
    poller = select.poll()
    poller.register(descriptor, select.POLLOUT)
    return any(events & select.POLLERR for _, events in poller.poll(0))


def _discard_stdout() -> None:
    """Point standard output at /dev/null so that flushing it at exit cannot fail again."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):
        pass


def _run(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> int:
    """Parse and run; flush standard output here, so that a reader that went away is seen here."""
    try:
        args = parser.parse_args(argv)
    except SystemExit:  # --help and --version print, then exit
        sys.stdout.flush()
        raise
    status: int = args.run(args)
    sys.stdout.flush()
    return status


def _terminated(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _quiet_floats() -> contextlib.AbstractContextManager[object]:
    """numpy's overflow and invalid-value warnings off: a run that diverges is stopped and explained in one
    line by the trainer's guard, and the warnings would only print Python source lines above it."""
    import numpy as np

    return np.errstate(all="ignore")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status. User errors print one line, no traceback.

    Exit status: 0 on success (also when the reader of standard output stops early, as ``head`` does),
    2 on a user error, a corrupt or special file, or memory running out, 130 when interrupted.
    """
    _tolerant_output()
    signal.signal(signal.SIGTERM, _terminated)  # `kill`: save and explain, as for Ctrl-C
    try:
        parser = build_parser()  # imports the library, which reads VERIFIED_NN_RUNTIME_CHECKS
    except ValueError as error:
        if type(error).__module__ != "verified_nn.core":  # not the switch: a bug, keep its traceback
            raise
        return _error(error)
    except KeyboardInterrupt:  # Ctrl-C or `kill` while the library loads: nothing was started
        print("verified-nn: interrupted", file=sys.stderr)
        return 130
    try:
        with _quiet_floats():
            status = _run(parser, argv)
    except BrokenPipeError as error:
        if not _stdout_is_a_closed_pipe():
            return _error(error)
        _discard_stdout()
        return 0
    except MemoryError as error:
        return _error(f"out of memory ({error})" if str(error) else "out of memory")
    except user_errors() as error:
        return _error(error)
    except KeyboardInterrupt as error:
        print(f"verified-nn: {str(error) or 'interrupted'}", file=sys.stderr)
        return 130
    return status
