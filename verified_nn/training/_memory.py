"""Keep freed memory in the process, so that the arrays of each training step come back without page faults.

A training step allocates and frees arrays of megabytes (a convolution's im2col matrix, its outputs
and gradients). glibc serves each of them with fresh pages (from ``mmap``, or from a heap it trims
after every large ``free``), and the kernel then faults every page in: measured for the ``cnn`` preset,
about 4,900 page faults and 5 ms of system time in a 22 ms step (``benchmarks/cnn.py``). Raising glibc's
mmap and trim thresholds lets freed blocks be reused: the process keeps its peak heap instead of
returning it to the system after every step. Elsewhere than glibc this does nothing.
"""

import ctypes
import sys
from typing import Final

# mallopt parameters (glibc's malloc.h).
M_TRIM_THRESHOLD: Final = -1
M_TOP_PAD: Final = -2
M_MMAP_THRESHOLD: Final = -3
MMAP_THRESHOLD: Final = 32 * 1024 * 1024  # glibc's largest mmap threshold on 64-bit systems
TRIM_THRESHOLD: Final = 2**31 - 1  # never trim the heap (an int, as mallopt takes)
TOP_PAD: Final = 64 * 1024 * 1024  # grow the heap in steps of 64 MiB


def retain_freed_memory() -> bool:
    """Ask glibc to reuse freed blocks below 32 MiB instead of returning them; True if it agreed.

    Process-wide and lasting; the trainer calls it. False (and no change) where ``mallopt`` is missing
    or refuses, as on other C libraries.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    settings = ((M_MMAP_THRESHOLD, MMAP_THRESHOLD), (M_TRIM_THRESHOLD, TRIM_THRESHOLD), (M_TOP_PAD, TOP_PAD))
    return all(mallopt(parameter, value) == 1 for parameter, value in settings)
