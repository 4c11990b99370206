"""An append-only text file (a run's log): earlier lines are never rewritten, a link is never followed.

A log grows by a line at a time for the whole of a run, so it cannot be rewritten through a part file
for each line; instead it is opened once with ``O_APPEND | O_NOFOLLOW`` (a symbolic link as its last
component is refused, dangling or not; a FIFO or device is refused without blocking), and each line is
one ``write`` at the end of the file. Bytes already written are never touched: a kill or a full disk
can cost at most the line being written. A write that fails part-way (``No space left on device``,
``File too large``) is cut back to the end of the last whole line before the error is raised, and a
log whose last line was cut short by a killed writer gets a newline before the next line is appended,
so every line after it is whole. The file is fsynced when it is closed.
"""

import contextlib
import os
import stat
from pathlib import Path
from types import TracebackType

from ._errors import OutputError
from ._kinds import file_kind
from ._target import check_output, reason, shown
from ._write import fsync_directory


class AppendFile:
    """A text file opened for appending whole lines (a context manager; :meth:`close` fsyncs it)."""

    def __init__(self, path: str | Path, *, option: str | None = None) -> None:
        self.path = check_output(path, option=option)
        self._name = shown(self.path, option)
        existed = os.path.lexists(self.path)
        flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
        try:
            self._descriptor = os.open(self.path, flags, 0o666)
        except OSError as error:  # ELOOP: a link planted since the check; ENXIO: a FIFO without a reader
            raise OutputError(f"{self._name}: cannot open for appending ({reason(error)})") from None
        try:
            status = os.fstat(self._descriptor)
            if not stat.S_ISREG(status.st_mode):
                raise OutputError(f"{self._name}: is {file_kind(status.st_mode)}, not a regular file")
            os.set_blocking(self._descriptor, True)
            self._torn = status.st_size > 0 and os.pread(self._descriptor, 1, status.st_size - 1) != b"\n"
            if not existed:
                fsync_directory(self.path.parent)  # the new name survives a crash
        except OSError as error:
            os.close(self._descriptor)
            raise OutputError(f"{self._name}: cannot open for appending ({reason(error)})") from None
        except BaseException:
            os.close(self._descriptor)
            raise

    def write_line(self, line: str) -> None:
        """Append ``line`` and a newline; OutputError (the earlier lines kept) if it cannot be written whole."""
        data = ("\n" if self._torn else "") + line + "\n"
        content = data.encode("utf-8", "backslashreplace")
        try:
            end = os.fstat(self._descriptor).st_size
        except OSError as error:
            raise OutputError(f"{self._name}: cannot append ({reason(error)})") from None
        view = memoryview(content)
        try:
            while view:
                view = view[os.write(self._descriptor, view) :]
        except OSError as error:
            try:
                os.ftruncate(self._descriptor, end)  # no half line: the file ends with its last whole line
            except OSError:
                self._torn = True
            raise OutputError(
                f"{self._name}: cannot append ({reason(error)}); the lines written before are kept"
            ) from None
        self._torn = False

    def close(self) -> None:
        """fsync and close (once; later calls do nothing)."""
        if self._descriptor < 0:
            return
        descriptor, self._descriptor = self._descriptor, -1
        try:
            with contextlib.suppress(OSError):  # the lines are in the file; only their durability is in doubt
                os.fsync(descriptor)
        finally:
            os.close(descriptor)

    def __enter__(self) -> "AppendFile":
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()
