"""What kind of file a mode describes, in words for messages: "a directory", "a FIFO (named pipe)", ..."""

import stat
from typing import Final

_KINDS: Final = (
    (stat.S_ISREG, "a regular file"),
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISLNK, "a symbolic link"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def file_kind(mode: int) -> str:
    """``"a directory"``, ``"a FIFO (named pipe)"``, ``"a character device"``, ... for an ``st_mode``."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")
