"""Every test has a time limit: a test that loops fails instead of hanging the suite."""

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SLOW_TEST_TIMEOUT, pytest_collection_modifyitems


def test_the_suite_sets_a_default_time_limit(request: pytest.FixtureRequest) -> None:
    assert float(request.config.getini("timeout")) == 120


def test_a_test_over_its_time_limit_fails_instead_of_hanging(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\ntimeout = 1\n")
    (tmp_path / "test_loops.py").write_text("def test_loops():\n    while True:\n        pass\n")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_loops.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 1, result.stdout
    assert "Timeout (>1.0s)" in result.stdout


def test_slow_tests_get_the_longer_limit_unless_they_set_their_own(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nmarkers = slow: long\n")
    items = pytester.getitems(
        "import pytest\n"
        "@pytest.mark.slow\ndef test_long(): pass\n"
        "@pytest.mark.slow\n@pytest.mark.timeout(5)\ndef test_own(): pass\n"
        "def test_quick(): pass\n"
    )
    pytest_collection_modifyitems(items)
    limits = {item.name: [m.args for m in item.iter_markers("timeout")] for item in items}
    assert limits == {"test_long": [(SLOW_TEST_TIMEOUT,)], "test_own": [(5,)], "test_quick": []}
