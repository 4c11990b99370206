"""Warnings are errors in the suite, but for numpy's report of an "invalid" flag after a matmul (pyproject.toml
says why: some OpenBLAS builds raise it for finite products); every other warning still fails a test."""

import subprocess
import sys
from pathlib import Path

import pytest

CASES = """\
import warnings

import numpy as np


def test_the_matmul_flag_is_not_an_error():
    warnings.warn("invalid value encountered in matmul", RuntimeWarning)


def test_an_invalid_value_elsewhere_is():
    np.log(-np.ones(2))


def test_an_overflowing_product_is():
    big = np.full((2, 2), 3e38, dtype=np.float32)
    big @ big


def test_any_other_warning_is():
    warnings.warn("something else", UserWarning)
"""


def test_only_the_matmul_invalid_flag_is_let_through(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    filters = request.config.getini("filterwarnings")
    assert filters[0] == "error" and len(filters) == 2
    lines = "".join(f"    {entry}\n" for entry in filters)
    (tmp_path / "pytest.ini").write_text(f"[pytest]\nfilterwarnings =\n{lines}")
    (tmp_path / "test_cases.py").write_text(CASES)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_cases.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )
    assert "3 failed, 1 passed" in result.stdout, result.stdout
    failed = {line.split("::")[1].split()[0] for line in result.stdout.splitlines() if line.startswith("FAILED")}
    assert failed == {"test_an_invalid_value_elsewhere_is", "test_an_overflowing_product_is", "test_any_other_warning_is"}
