"""Spread over workers (``pytest -n N``), the suite keeps each test file whole and in order on one worker."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Each test checks that it runs in the same process as the tests before it, and after them.
ORDERED = """
import os

SEEN = []


def check(index):
    SEEN.append(os.getpid())
    assert SEEN == [SEEN[0]] * (index + 1)
""" + "".join(f"\n\ndef test_{index}():\n    check({index})\n" for index in range(8))

# The repository's conftest hook, loaded from its file (not as a conftest: its fixtures stay out).
HOOK = f"""
import importlib.util

spec = importlib.util.spec_from_file_location("repository_conftest", {str(ROOT / "conftest.py")!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
pytest_configure = module.pytest_configure
"""


def _run(pytester: pytest.Pytester, *options: str) -> pytest.RunResult:
    pytester.makepyfile(test_ordered=ORDERED)
    return pytester.runpytest_subprocess("-n", "2", "-p", "no:cacheprovider", "-q", *options, timeout=110)


def test_with_the_suites_hook_a_file_runs_whole_on_one_worker(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(HOOK)
    result = _run(pytester)
    result.assert_outcomes(passed=8)


def test_without_it_xdist_would_spread_a_files_tests(pytester: pytest.Pytester) -> None:
    # The control: xdist's default mode sends the tests of one file to both workers, which the file detects.
    result = _run(pytester)
    assert result.ret == 1 and result.parseoutcomes().get("failed", 0) >= 1, result.stdout.str()


def test_a_mode_asked_for_by_name_is_kept(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(HOOK)
    result = _run(pytester, "--dist", "loadgroup")  # no groups: loadgroup spreads the tests as load does
    assert result.ret == 1, result.stdout.str()
