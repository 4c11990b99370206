"""retain_freed_memory: after it, the large arrays of a step, allocated and freed, reuse their pages (no page faults).

Run in a fresh interpreter each, since the setting is process-wide and lasting; page faults are counted, not
timed, so the machine's load does not matter.
"""

import subprocess
import sys

import pytest

# A step's pattern of large arrays (sizes of the cnn preset's): several alive at once, freed in another order.
LOOP = """
import resource, sys
import numpy as np
from verified_nn.training import retain_freed_memory
retained = retain_freed_memory() if sys.argv[1] == "retain" else None
def step():
    cols = np.ones(3_500_000, np.float32)  # 14 MB
    out = np.ones(1_600_000, np.float32)  # 6.4 MB
    more = np.ones(3_500_000, np.float32)
    del cols
    small = np.ones(400_000, np.float32)
    del more, out, small
for _ in range(3):
    step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    step()
print(retained, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults(mode: str) -> tuple[str, int]:
    result = subprocess.run([sys.executable, "-c", LOOP, mode], capture_output=True, text=True, check=True)
    retained, faults = result.stdout.split()
    return retained, int(faults)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_freed_blocks_are_reused_instead_of_faulted_in_again() -> None:
    retained, faults = _faults("retain")
    assert retained == "True" and faults < 100  # 20 steps of 22,000 pages each, all reused
    retained, faults = _faults("leave")
    assert retained == "None" and faults > 20 * 1_000  # without it glibc returns them and faults them in again
