"""Files read safely and written durably: regular files only, never blocking, bounded in size, atomic.

Reading refuses directories, FIFOs, devices and sockets before opening them, opens without blocking
(``O_NONBLOCK``) and checks the opened descriptor again, so a file swapped for a FIFO in between cannot
make a reader hang. Writing goes through a ``.NAME.part-PID-TOKEN`` sibling that is flushed and fsynced,
renamed into place, and followed by an fsync of the directory; the part files of writers that died
are removed by :func:`remove_stale_parts`.
"""

import errno
import os
import re
import secrets
import stat
from pathlib import Path
from typing import BinaryIO, Final

from verified_nn.core import InvalidArgumentError

from ._errors import DataError

_CHUNK: Final = 1 << 20
_PART: Final = re.compile(r"^\..+\.part-(\d{1,10})(?:-[0-9a-f]+)?$")  # .NAME.part-PID[-TOKEN]
_MAX_PID: Final = 1 << 22  # Linux's ceiling on process ids (pid_max)
_SPECIAL: Final = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
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
        kind = next((name for test, name in _SPECIAL if test(status.st_mode)), None)
        raise DataError(f"{path}: is {kind}, not a regular file" if kind else f"{path}: not a regular file")
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


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(descriptor)
    except OSError as error:  # some file systems cannot fsync a directory; the rename is still atomic
        if error.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(descriptor)


def part_path(path: str | Path) -> Path:
    """A fresh temporary sibling for writing ``path``: ``.NAME.part-PID-TOKEN`` in the same directory."""
    path = Path(path)
    return path.with_name(f".{path.name}.part-{os.getpid()}-{secrets.token_hex(4)}")


def atomic_write(path: str | Path, content: bytes) -> None:
    """Write ``content`` to ``path`` durably: the file appears complete under its name or not at all.

    The bytes go to a new :func:`part_path` sibling (created exclusively, never through a symbolic
    link), are flushed and fsynced, the sibling is renamed over ``path``, and the directory is fsynced
    so the rename survives a crash. On any error the sibling is removed and the error (an OSError
    such as "No space left on device") propagates; ``path`` is then unchanged.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = part_path(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    descriptor = os.open(partial, flags, 0o666)  # outside the try: a name we did not create is not ours to remove
    try:
        with open(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    _fsync_directory(path.parent)


def _alive(pid: int) -> bool:
    if not 0 < pid < _MAX_PID:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # the process exists but belongs to another user
        return True
    return True


def remove_stale_parts(directory: str | Path) -> list[Path]:
    """Remove the ``.NAME.part-PID[-TOKEN]`` files of ``directory`` whose writer is no longer running.

    Part files of live processes (including this one) are left alone, so a concurrent writer is never
    disturbed. Returns the paths removed. A missing directory has nothing to remove.
    """
    removed: list[Path] = []
    try:
        entries = list(os.scandir(directory))
    except (FileNotFoundError, NotADirectoryError):
        return removed
    for entry in entries:
        match = _PART.match(entry.name)
        if match is None or not entry.is_file(follow_symlinks=False):
            continue
        pid = int(match.group(1))
        if pid == os.getpid() or _alive(pid):
            continue
        Path(entry.path).unlink(missing_ok=True)
        removed.append(Path(entry.path))
    return removed
