"""Part files: the temporary siblings that outputs are written to, and removing those of dead writers.

An output ``DIR/NAME`` is written to ``DIR/.NAME.part-PID-TOKEN`` (the writer's process id and 32
random bits) and renamed into place. A writer killed before the rename leaves its part file, which
nothing reads; :func:`remove_stale_parts` removes the part files whose writer is no longer running.
"""

import os
import re
import secrets
from pathlib import Path
from typing import Final

from ._process import alive

_PART: Final = re.compile(r"^\..+\.part-(\d{1,10})(?:-[0-9a-f]+)?$")  # .NAME.part-PID[-TOKEN]


def part_path(path: str | Path) -> Path:
    """A fresh temporary sibling for writing ``path``: ``.NAME.part-PID-TOKEN`` in the same directory."""
    path = Path(path)
    return path.with_name(f".{path.name}.part-{os.getpid()}-{secrets.token_hex(4)}")


def remove_stale_parts(directory: str | Path) -> list[Path]:
    """Remove the ``.NAME.part-PID[-TOKEN]`` files of ``directory`` whose writer is no longer running.

    Part files of live processes (including this one) are left alone, so a concurrent writer is never
    disturbed; a part file naming an implausible process id (0, or beyond ``pid_max``) has no live
    writer. Only regular files are removed (never a link or a directory of that name). Returns the
    paths removed. A missing directory, or one that cannot be listed, has nothing to remove.
    """
    removed: list[Path] = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        match = _PART.match(entry.name)
        try:
            regular = entry.is_file(follow_symlinks=False)
        except OSError:
            continue
        if match is None or not regular:
            continue
        pid = int(match.group(1))
        if pid == os.getpid() or alive(pid):
            continue
        try:
            os.unlink(entry.path)
        except FileNotFoundError:  # another process removed it first
            continue
        except OSError:  # not ours to remove (permissions): it stays, and nothing reads it
            continue
        removed.append(Path(entry.path))
    return removed
