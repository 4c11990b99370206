"""The plugin checks a numpy package that does not use verified-nn: ``tests/plugin/userpkg/imaging``.

Configured as its docs say (``plugins = verified_nn.mypy_plugin``, nothing else), mypy finds the two
mistakes of ``pipeline.py`` at their lines, and the jaxtyping-annotated filters are clean.
"""

import subprocess
import sys
from pathlib import Path

import pytest

# This module runs mypy: seconds on a quiet machine, minutes on a loaded one (the quick tests' limit is 120 s).
pytestmark = pytest.mark.timeout(600)

PACKAGE = Path(__file__).parent / "userpkg"
CONFIG = "[mypy]\nstrict = True\nplugins = verified_nn.mypy_plugin\n"
EXPECTED = [
    "imaging/pipeline.py:12: error: subtract: sizes differ and neither is 1: 32 (rng.random(...): (8, 32, 32)) "
    "and 8 (means: (8,))  [shape]",
    "imaging/pipeline.py:13: error: matmul: inner sizes differ: 16 (style: (16, 16)) and 8 "
    "(rng.random(...): (8, 16))  [shape]",
]


def test_a_package_of_its_own_is_checked_with_the_plugin_alone(tmp_path: Path) -> None:
    assert "verified_nn" not in "".join(p.read_text() for p in PACKAGE.rglob("*.py"))
    config = tmp_path / "mypy.ini"
    config.write_text(CONFIG)
    command = [sys.executable, "-m", "mypy", "--config-file", str(config), "--cache-dir", str(tmp_path / "cache")]
    result = subprocess.run([*command, "-p", "imaging"], cwd=PACKAGE, capture_output=True, text=True, check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert [line for line in result.stdout.splitlines() if ": error:" in line] == EXPECTED
