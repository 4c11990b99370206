"""``verified-nn verify`` prints a row per property with its examples and result, and fails on a failure."""

import re
from pathlib import Path

import pytest

from verified_nn.cli import main

SUITE = '''
from hypothesis import given, strategies as st


@given(st.integers())
def test_integers_are_equal_to_themselves(n):
    """n == n for any integer."""
    assert n == n


@given(st.integers(0, 10))
def test_a_planted_failure(n):
    """Claims that every n is below 5 (false)."""
    assert n < 5
'''


def _suite(tmp_path: Path, *, with_failure: bool) -> Path:
    folder = tmp_path / "props"
    folder.mkdir()
    text = SUITE if with_failure else SUITE.split("@given(st.integers(0, 10))")[0]
    (folder / "test_demo_properties.py").write_text(text)
    return folder


def test_verify_reports_each_property(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--path", str(_suite(tmp_path, with_failure=False))]) == 0
    out = capsys.readouterr().out
    assert re.search(r"passed +40  demo::test_integers_are_equal_to_themselves  n == n for any integer\.", out)
    assert "1 properties: 1 passed, 0 failed; 40 examples in" in out


def test_verify_fails_and_shows_the_counterexample(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--path", str(_suite(tmp_path, with_failure=True))]) == 1
    out = capsys.readouterr().out
    assert re.search(r"FAILED +\d+  demo::test_a_planted_failure +Claims that every n is below 5 \(false\)\.", out)
    assert "2 properties: 1 passed, 1 failed" in out and "n=5" in out


def test_verify_without_a_suite_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--path", str(tmp_path / "none")]) == 2
    assert "no properties/ directory found" in capsys.readouterr().err


def test_verify_shows_progress_on_stderr_as_each_file_finishes(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    folder = _suite(tmp_path, with_failure=True)
    (folder / "test_more_properties.py").write_text(SUITE.split("@given(st.integers(0, 10))")[0])
    assert main(["verify", "--path", str(folder)]) == 1
    captured = capfd.readouterr()
    lines = captured.err.splitlines()
    assert lines[0] == f"running {folder} (Hypothesis profile ci): a line per finished file"
    assert re.fullmatch(r"  props/test_demo_properties\.py: 1 passed, 1 failed \(\d+\.\d s\)", lines[1])
    assert re.fullmatch(r"  props/test_more_properties\.py: 1 passed, 0 failed \(\d+\.\d s\)", lines[2])
    assert (
        "3 properties: 2 passed, 1 failed" in captured.out
        and "test_demo_properties.py" not in captured.out.split("\n")[0]
    )
