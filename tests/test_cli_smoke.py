"""``verified-nn smoke`` reports every check and sets its exit status."""

import subprocess
import sys

import pytest

from verified_nn.cli import main


def test_smoke_passes_and_reports_a_tight_gradient_check(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["smoke"]) == 0
    out = capsys.readouterr().out
    assert "6 passed, 0 failed" in out
    assert "101770 = W1 100352, b1 128, W2 1280, b2 10" in out
    worst = float(out.split("worst relative error ")[1].split()[0])
    assert worst < 1e-6


def test_smoke_fails_when_a_check_fails(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from verified_nn.cli import _smoke

    monkeypatch.setattr(_smoke, "PARAMETER_COUNT", 101769)
    assert main(["smoke", "--dtype", "float64"]) == 1
    assert "5 passed, 1 failed" in capsys.readouterr().out


def test_a_user_error_is_one_line_without_traceback() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "verified_nn", "smoke", "--batch-size", "0"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr == "verified-nn: error: --batch-size must be >= 1, got 0\n"


def test_the_command_line_starts_without_the_development_tools() -> None:
    """A user install has no pytest or Hypothesis: importing and running the CLI must not need them."""
    program = (
        "import sys; sys.modules['hypothesis'] = None; sys.modules['pytest'] = None; "
        "from verified_nn.cli import main; sys.exit(main(['verify', '--path', '.']))"
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=False)
    assert result.returncode == 2, result.stderr
    assert result.stderr == "verified-nn: error: verify needs pytest and hypothesis: pip install -e '.[dev]'\n"
