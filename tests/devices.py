"""Private device nodes for the fault tests: made inside the test's own temporary directory, never the machine's /dev.

A node is only ever looked at (``stat``) by the code under test, which refuses it by kind before opening it;
were it opened by mistake, the character node reads as the zero device and the block node names a loop
device, harmless both.
"""

import os
import stat
from pathlib import Path

ZERO = os.makedev(1, 5)  # the zero device's numbers
LOOP = os.makedev(7, 0)  # the first loop device's


def device_node(path: Path, *, block: bool = False) -> Path | None:
    """A character (or ``block``) device node at ``path``; None where this process may not make one (CAP_MKNOD)."""
    try:
        os.mknod(path, (stat.S_IFBLK if block else stat.S_IFCHR) | 0o600, LOOP if block else ZERO)
    except PermissionError:
        return None
    return path
