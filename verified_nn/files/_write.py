"""The one way verified-nn writes a file: complete under its name or not at all, never through a link.

:func:`write_output` checks the path (:func:`check_output`), writes the content to a new part file in
the same directory (created exclusively, never through a link), flushes and fsyncs it, checks the path
again (a link or a FIFO planted meanwhile is refused, not replaced), renames the part file over the
path and fsyncs the directory, so the rename survives a crash. On any failure, a full disk included,
the part file is removed and the old file, if any, is left as it was. The first write into a directory
in a process removes the part files that dead writers left there.
"""

import contextlib
import errno
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from ._errors import OutputError
from ._parts import part_path, remove_stale_parts
from ._target import check_output, reason, shown

_SWEPT: set[tuple[int, int]] = set()  # (device, inode) of the directories swept by this process
_MAX_SWEPT: Final = 4096


def _sweep_once(directory: Path) -> None:
    """Remove dead writers' part files in ``directory`` at this process's first write there (a directory
    of thousands of outputs is listed once, not once per output)."""
    try:
        status = os.stat(directory)
    except OSError:
        return
    key = (status.st_dev, status.st_ino)
    if key in _SWEPT:
        return
    if len(_SWEPT) >= _MAX_SWEPT:
        _SWEPT.clear()
    remove_stale_parts(directory)
    _SWEPT.add(key)


def fsync_directory(directory: Path) -> None:
    """fsync ``directory``, so that a rename or a new name in it survives a crash (where the file system can)."""
    descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(descriptor)
    except OSError as error:  # some file systems cannot fsync a directory; the rename is still atomic
        if error.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(descriptor)


def _make_parents(path: Path, name: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"{name}: cannot create the directory {path.parent} ({reason(error)})") from None


def _write_all(descriptor: int, content: bytes) -> None:
    view = memoryview(content)
    while view:
        written = os.write(descriptor, view)
        view = view[written:]


def write_output(
    path: str | Path,
    content: bytes,
    *,
    inputs: Iterable[str | Path] = (),
    option: str | None = None,
    parents: bool = False,
) -> Path:
    """Write ``content`` to ``path`` atomically and durably; return the path.

    Args:
        path: the file to write; an existing regular file is replaced, anything else is refused.
        content: the whole new content.
        inputs: the command's input files, which the output must not be (see :func:`check_output`).
        option: the option that named ``path``, for messages (``--json``).
        parents: create missing directories (else a missing directory is refused).

    Raises:
        OutputError: the path is refused, or writing failed (``No space left on device``, ``File too
            large``, ...); either way the old file is unchanged and no part file is left behind.
    """
    inputs = tuple(inputs)
    path = check_output(path, inputs=inputs, option=option, parents=parents)
    name = shown(path, option)
    if parents:
        _make_parents(path, name)
    _sweep_once(path.parent)
    partial = part_path(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        descriptor = os.open(partial, flags, 0o666)
    except OSError as error:  # a name we did not create is not ours to remove
        raise OutputError(f"{name}: cannot write in {path.parent} ({reason(error)})") from None
    try:
        try:
            _write_all(descriptor, content)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        check_output(path, inputs=inputs, option=option)  # still a path we may replace: nothing planted since
        os.replace(partial, path)
    except OSError as error:
        kept = "the previous file is unchanged" if os.path.lexists(path) else "nothing was written"
        raise OutputError(f"{name}: cannot write ({reason(error)}); {kept}") from None
    finally:
        _remove_quietly(partial)
    try:
        fsync_directory(path.parent)
    except OSError as error:
        raise OutputError(f"{name}: written, but its directory could not be synced ({reason(error)})") from None
    return path


def _remove_quietly(partial: Path) -> None:
    try:
        status = os.lstat(partial)
    except OSError:
        return  # renamed into place, or never created
    if stat.S_ISREG(status.st_mode):
        with contextlib.suppress(OSError):
            os.unlink(partial)
