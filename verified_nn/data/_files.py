"""Files read safely: regular files only, never blocking, bounded in size.

Reading refuses directories, FIFOs, devices and sockets before opening them, opens without blocking
(``O_NONBLOCK``) and checks the opened descriptor again, so a file swapped for a FIFO in between cannot
make a reader hang. (Writing is :func:`verified_nn.files.write_output`'s.)
"""

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO, Final

from verified_nn.core import InvalidArgumentError
from verified_nn.files import file_kind

from ._errors import DataError

_CHUNK: Final = 1 << 20
_REASONS: Final = {
    errno.ENOENT: "no such file",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENOTDIR: "a component of the path is not a directory",
    errno.ELOOP: "too many levels of symbolic links",
    errno.ENAMETOOLONG: "file name too long",
    errno.ENXIO: "no such device or address",
}


def _failure(path: Path | str, error: OSError) -> DataError:
    reason = _REASONS.get(error.errno or 0)
    return DataError(f"{path}: {reason}" if reason else f"{path}: cannot be read ({error.strerror or error})")


def _check(path: Path | str, status: os.stat_result, limit: int, what: str) -> None:
    if not stat.S_ISREG(status.st_mode):
        raise DataError(f"{path}: is {file_kind(status.st_mode)}, not a regular file")
    if status.st_size > limit:
        raise DataError(f"{path}: {what} of {status.st_size:,} bytes is over the limit of {limit:,} bytes")


def open_file(path: str | Path, *, limit: int, what: str = "file") -> BinaryIO:
    """Open a regular file of at most ``limit`` bytes for reading; the caller closes it.

    DataError names the file and the problem: missing, unreadable, a directory, FIFO, device or
    socket (refused at once, never opened in blocking mode), or larger than ``limit`` (``what``
    names the kind of file in that message, e.g. "model file").
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise InvalidArgumentError(f"limit must be a non-negative number of bytes, got {limit!r}")
    try:
        status = os.stat(path)
    except OSError as error:
        raise _failure(path, error) from None
    except ValueError:  # a NUL byte in the name
        raise DataError(f"{path!r}: not a valid file name") from None
    _check(path, status, limit, what)  # before opening: opening a FIFO or a device can block or act
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as error:
        raise _failure(path, error) from None
    try:
        _check(path, os.fstat(descriptor), limit, what)  # the file opened is the one checked
        os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def read_file(path: str | Path, *, limit: int, what: str = "file") -> bytes:
    """The whole content of a regular file of at most ``limit`` bytes (see :func:`open_file`).

    Reads at most ``limit + 1`` bytes even if the file grows, or lies about its size, while it is read.
    """
    try:
        with open_file(path, limit=limit, what=what) as handle:
            size = min(os.fstat(handle.fileno()).st_size, limit)  # the file may have grown since open_file
            parts = [handle.read(size)]  # one allocation in the usual case
            total = len(parts[0])
            probe = handle.read(1)  # the size was right unless there is more
            if probe:
                parts.append(probe)
                total += 1
            while probe and total <= limit:
                chunk = handle.read(min(_CHUNK, limit + 1 - total))
                if not chunk:
                    break
                parts.append(chunk)
                total += len(chunk)
    except OSError as error:
        raise _failure(path, error) from None
    if total > limit:
        raise DataError(f"{path}: {what} grew past the limit of {limit:,} bytes while being read")
    return parts[0] if len(parts) == 1 else b"".join(parts)
