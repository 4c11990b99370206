"""Which process ids name a live process, and when that process started (to tell a reused id apart).

A process id read from a file (a part file's name, a lock) is trusted only when it is plausible: a
whole number from 1 to the system's ``pid_max``, never 0 or a negative number, which ``os.kill`` would
take to mean a whole process group, nor a number too large for the kernel's ``pid_t``.
"""

import os
from pathlib import Path
from typing import Final

MAX_PID: Final = 1 << 22  # Linux's ceiling on process ids (/proc/sys/kernel/pid_max cannot exceed it)


def plausible_pid(pid: object) -> bool:
    """Whether ``pid`` could be a process id: an ``int`` in ``1..MAX_PID`` (bools are not ids)."""
    return isinstance(pid, int) and not isinstance(pid, bool) and 0 < pid <= MAX_PID


def alive(pid: int) -> bool:
    """Whether a process with this (plausible) id exists, whoever owns it; False for an implausible id."""
    if not plausible_pid(pid):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by another user
        return True
    except OSError:
        return False
    return True


def start_time(pid: int) -> int | None:
    """The start time of process ``pid`` in clock ticks since boot (``/proc/PID/stat``, field 22), or None
    where it cannot be read (no such process, no ``/proc``). With the id it names one process for good."""
    if not plausible_pid(pid):
        return None
    try:
        text = Path(f"/proc/{pid}/stat").read_bytes()[:4096].decode("ascii", "replace")
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces or parentheses: split after the last.
    fields = text[text.rfind(")") + 2 :].split()
    try:
        return int(fields[19])  # field 22 of the whole line, the 20th after the command name
    except (IndexError, ValueError):
        return None
