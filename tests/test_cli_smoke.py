"""``verified-nn smoke`` checks any architecture, new or saved, reports every check and sets its exit status."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from verified_nn.cli import main
from verified_nn.network import mlp
from verified_nn.training import save_model


def test_smoke_passes_and_reports_a_tight_gradient_check(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["smoke"]) == 0
    out = capsys.readouterr().out
    assert "6 passed, 0 failed" in out
    assert "784 -> Dense(784 -> 128, float32) -> ReLU() -> Dense(128 -> 10, float32) -> 10" in out
    assert "0.weight 128x784, 0.bias 128, 2.weight 10x128, 2.bias 10" in out
    worst = float(out.split("worst relative error ")[1].split()[0])
    assert worst < 1e-6


def test_smoke_checks_any_architecture_with_the_dropout_mask_held_fixed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["smoke", "--hidden", "64,32", "--activation", "tanh", "--dropout", "0.3", "--dtype", "float64"]) == 0
    out = capsys.readouterr().out
    assert "Dense(784 -> 64, float64) -> Tanh() -> Dropout(rate=0.3) -> Dense(64 -> 32, float64)" in out
    assert "(dropout mask held fixed)" in out and "6 passed, 0 failed" in out


def test_smoke_checks_a_saved_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    save_model(
        tmp_path / "m.safetensors", mlp((784, 20, 10), rng=np.random.default_rng(0), activation="leaky_relu"), {}
    )
    assert main(["smoke", "--model", str(tmp_path / "m.safetensors")]) == 0
    assert "LeakyReLU(slope=0.01)" in capsys.readouterr().out
    assert main(["smoke", "--model", str(tmp_path / "m.safetensors"), "--hidden", "5"]) == 2
    assert "--hidden describe a new network; --model" in capsys.readouterr().err


def test_smoke_fails_when_a_check_fails(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from verified_nn.cli import _smoke

    monkeypatch.setattr(_smoke, "SUM_TOLERANCE", {np.dtype(np.float64): -1.0, np.dtype(np.float32): -1.0})
    assert main(["smoke", "--dtype", "float64"]) == 1
    assert "4 passed, 2 failed" in capsys.readouterr().out


def test_a_user_error_is_one_line_without_traceback() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "verified_nn", "smoke", "--batch-size", "0"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr == "verified-nn: error: --batch-size must lie in 1..1000, got 0\n"


def test_the_command_line_starts_without_the_development_tools() -> None:
    """A user install has no pytest or Hypothesis: importing and running the CLI must not need them."""
    program = (
        "import sys; sys.modules['hypothesis'] = None; sys.modules['pytest'] = None; "
        "from verified_nn.cli import main; sys.exit(main(['verify', '--path', '.']))"
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=False)
    assert result.returncode == 2, result.stderr
    assert result.stderr == "verified-nn: error: verify needs pytest and hypothesis: pip install -e '.[dev]'\n"
