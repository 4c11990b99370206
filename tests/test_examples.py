"""Every example script runs to its end on real MNIST, where it checks its own result."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.py"))


@pytest.mark.slow
@pytest.mark.parametrize("script", EXAMPLES, ids=lambda path: path.stem)
def test_example_runs_and_checks_its_result(script: Path, real_data_dir: Path, tmp_path: Path) -> None:
    env = {**os.environ, "VERIFIED_NN_DATA_DIR": str(real_data_dir)}
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, cwd=tmp_path, check=False
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


@pytest.mark.slow
def test_the_default_training_run_reaches_97_percent(real_data_dir: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "verified_nn", "train", "--data-dir", str(real_data_dir), "--name", "default"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    accuracy = float(result.stdout.split("): test accuracy ")[1].split("%")[0])
    assert accuracy >= 97.5
    assert (tmp_path / "logs" / "default.log").exists() and (tmp_path / "models" / "default-best.safetensors").exists()
