"""mypy --strict rejects a dimension mismatch at a call site, as Lean rejects Float^[100] for Float^[784]."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

SNIPPETS = Path(__file__).parent / "snippets"
ERROR = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): error: (?P<text>.*)  \[(?P<code>[\w-]+)\]$")


def _mypy(snippet: str) -> list[tuple[int, str, str]]:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "--config-file",
            "/dev/null",
            str(SNIPPETS / snippet),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    errors = [m for m in map(ERROR.match, result.stdout.splitlines()) if m]
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return [(int(m["line"]), m["code"], m["text"]) for m in errors]


def _expected_lines(snippet: str) -> list[int]:
    lines = (SNIPPETS / snippet).read_text().splitlines()
    return [number for number, line in enumerate(lines, start=1) if "# expected error: arg-type" in line]


def test_mypy_rejects_a_100_vector_where_784_is_expected() -> None:
    errors = _mypy("wrong_vector.py")
    assert [(line, code) for line, code, _ in errors] == [(_expected_lines("wrong_vector.py")[0], "arg-type")]
    text = errors[0][2]
    assert 'Argument 1 to "forward" of "MLP"' in text
    assert "tuple[Literal[100]]" in text and "tuple[Literal[784]]" in text


def test_mypy_rejects_a_10_by_100_matrix_where_10_by_128_is_expected() -> None:
    errors = _mypy("wrong_matrix.py")
    line = _expected_lines("wrong_matrix.py")[0]
    assert {(found, code) for found, code, _ in errors} == {(line, "arg-type")}
    weights = [text for _, _, text in errors if 'Argument "weights" to "Dense"' in text]
    assert weights and "tuple[Literal[10], Literal[100]]" in weights[0]
    assert "tuple[Literal[10], Literal[128]]" in weights[0]


@pytest.mark.parametrize("snippet", ["correct.py"])
def test_mypy_accepts_the_correct_shapes(snippet: str) -> None:
    assert _mypy(snippet) == []
