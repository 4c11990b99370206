"""What a path to write may be: checked before any work, and again just before the file is replaced.

An output is refused, in one line naming it (and the option that gave it), when its last component is a
symbolic link (dangling or not: it is never followed), a directory, FIFO, device or socket, or the same
file (the same inode: also through another name or a hard link) as one of the command's inputs; when it is
an existing file whose content is not of the kind the command writes there (a report's PNG, JSON or
results CSV may be written again over the last one, but never over a model, a dataset or anything else
that a mistyped path names); when a component of the path is not a directory; when its directory does not
exist (unless the writer creates directories) or cannot be written to.
"""

import csv
import errno
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Final, Literal

from ._errors import OutputError
from ._kinds import file_kind

Kind = Literal["png", "json", "results"]
_SIGNATURES: Final[dict[str, tuple[bytes, ...]]] = {"png": (b"\x89PNG\r\n\x1a\n",), "json": (b"{", b"[")}
_NAMES: Final[dict[str, str]] = {"png": "a PNG", "json": "a JSON", "results": "a VNN-COMP results"}
_SNIFF: Final = 4096  # bytes read from the start of an existing output to tell its kind

_REASONS: Final = {
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOTDIR: "a component of the path is not a directory",
    errno.ELOOP: "too many levels of symbolic links",
    errno.ENAMETOOLONG: "file name too long",
    errno.EROFS: "read-only file system",
}


def shown(path: Path, option: str | None) -> str:
    """How messages name an output: ``--json out.json``, or just the path."""
    return f"{option} {path}" if option else str(path)


def reason(error: OSError) -> str:
    """A short lowercase reason for ``error`` ("permission denied", "No space left on device", ...)."""
    return _REASONS.get(error.errno or 0) or str(error.strerror or error)


def _status(path: Path, name: str) -> os.stat_result | None:
    """``lstat`` of ``path`` (never following a link), None if nothing is there."""
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
    except ValueError:  # a NUL byte in the name
        raise OutputError(f"{name}: not a valid file name") from None
    except OSError as error:
        raise OutputError(f"{name}: {reason(error)}") from None


def _same_input(status: os.stat_result, inputs: Iterable[str | Path]) -> Path | None:
    for given in inputs:
        try:
            if os.path.samestat(status, os.stat(given)):
                return Path(given)
        except (OSError, ValueError):  # an input that is not there cannot be overwritten
            continue
    return None


def _of_kind(path: Path, kind: Kind) -> bool:
    """Whether the regular file at ``path`` is empty or starts as a ``kind`` file does (JSON: after white space)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False  # unreadable: not known to be a report, so not replaced
    try:
        start = os.read(descriptor, _SNIFF)
    except OSError:
        return False
    finally:
        os.close(descriptor)
    if kind == "results":
        return not start.strip() or _results_line(start)
    start = start.lstrip() if kind == "json" else start
    return not start or start.startswith(_SIGNATURES[kind])


def _results_line(start: bytes) -> bool:
    """Whether ``start`` begins as VNN-COMP's results.csv does: a CSV row of six fields, the second and third
    the network's and the property's paths (not numbers), the fourth and sixth numbers (seconds), the fifth a
    lower-case word (``sat``, ``unsat``, ``timeout``, ...)."""
    line = start.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    fields = next(csv.reader([line]), [])
    if len(fields) != 6 or not (fields[4].isalpha() and fields[4].islower()):
        return False
    return not any(map(_number, fields[1:3])) and _number(fields[3]) and _number(fields[5])


def _number(field: str) -> bool:
    try:
        float(field)
    except ValueError:
        return False
    return True


def _check_directory(path: Path, name: str, *, parents: bool) -> None:
    directory = path.parent
    try:
        status = os.stat(directory)  # the directory may be reached through links: only the last component is ours
    except FileNotFoundError:
        if parents:
            return  # the writer creates it; mkdir reports what stands in the way
        raise OutputError(f"{name}: the directory {directory} does not exist") from None
    except OSError as error:
        raise OutputError(f"{name}: {reason(error)}") from None
    if not stat.S_ISDIR(status.st_mode):
        raise OutputError(f"{name}: {directory} is {file_kind(status.st_mode)}, not a directory")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise OutputError(f"{name}: the directory {directory} is not writable")


def check_output(
    path: str | Path,
    *,
    inputs: Iterable[str | Path] = (),
    option: str | None = None,
    parents: bool = False,
    replace: bool = True,
    kind: Kind | None = None,
) -> Path:
    """``path`` as a :class:`~pathlib.Path` if a file may be written there, else OutputError saying why.

    Args:
        path: the file to write (it may exist: a regular file is replaced, atomically, by the writer, unless
            ``replace`` is False, as for a command's model file without ``--overwrite``).
        inputs: the files the command reads; an output that is one of them (same device and inode) is
            refused, so ``export m.safetensors --torch m.safetensors`` cannot replace its own input.
        option: the command-line option that named ``path`` (``--json``), for the message.
        parents: whether the writer creates missing directories (else a missing one is refused).
        kind: what is written (``"png"``, ``"json"``, ``"results"``: VNN-COMP's results.csv): an existing
            non-empty file is replaced only if its first bytes are of that kind, so that a report written again
            replaces the last one and nothing else.
    """
    path = Path(path)
    name = shown(path, option)
    if path.name in ("", ".", ".."):
        raise OutputError(f"{name}: names a directory, not a file")
    status = _status(path, name)
    if status is not None:
        if stat.S_ISLNK(status.st_mode):
            try:
                target = f" to {os.readlink(path)}"
            except OSError:
                target = ""
            raise OutputError(
                f"{name}: is a symbolic link{target}; outputs never write through a link: "
                "remove it or choose another path"
            )
        if not stat.S_ISREG(status.st_mode):
            raise OutputError(f"{name}: is {file_kind(status.st_mode)}, not a regular file")
        same = _same_input(status, inputs)
        if same is not None:
            raise OutputError(f"{name}: is the same file as the input {same}; choose another output path")
        if not replace:
            raise OutputError(f"{name}: exists; replace it with --overwrite, or choose another path")
        if kind is not None and not _of_kind(path, kind):
            raise OutputError(
                f"{name}: exists and is not {_NAMES[kind]} file; it is never replaced by one: choose another path "
                "(or remove it first)"
            )
    _check_directory(path, name, parents=parents)
    return path


def check_output_directory(path: str | Path, *, option: str | None = None, parents: bool = False) -> Path:
    """``path`` as a :class:`~pathlib.Path` if outputs may be written inside it, else OutputError saying why.

    The directory may exist (a real directory, not a symbolic link to one: outputs stay where they were
    asked to go) or be missing, to be created by the writer: with an existing, writable parent, or with
    ``parents`` (the writer creates the missing directories above it too).
    """
    path = Path(path)
    name = shown(path, option)
    status = _status(path, name)
    if status is None:
        _check_directory(path, name, parents=parents)
        return path
    if stat.S_ISLNK(status.st_mode):
        raise OutputError(
            f"{name}: is a symbolic link; outputs never write through a link: remove it or choose another path"
        )
    if not stat.S_ISDIR(status.st_mode):
        raise OutputError(f"{name}: is {file_kind(status.st_mode)}, not a directory")
    if not os.access(path, os.W_OK | os.X_OK):
        raise OutputError(f"{name}: the directory is not writable")
    return path
