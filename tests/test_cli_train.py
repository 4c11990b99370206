"""``train``, ``inspect`` and ``evaluate`` on a synthetic dataset; quiet output when not on a terminal."""

import subprocess
import sys
from pathlib import Path

import pytest
from datafiles import write_synthetic

from verified_nn.cli import main
from verified_nn.data import DATASETS

FAST = ["--epochs", "3", "--batch-size", "16", "--log-every", "10", "--train-eval-size", "400"]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setitem(DATASETS, "mnist", write_synthetic(tmp_path / "data" / "synthetic"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VERIFIED_NN_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def test_train_writes_checkpoints_and_a_log_and_reports(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", *FAST, "--name", "t", "--lr", "0.05"]) == 0
    out = capsys.readouterr().out
    assert "best test accuracy" in out and "model models/t-best.safetensors; log logs/t.log" in out
    assert (workdir / "models" / "t-best.safetensors").exists() and (workdir / "models" / "t-last.safetensors").exists()
    assert '"learning_rate": 0.05' in (workdir / "logs" / "t.log").read_text()


def test_resume_continues_with_more_epochs(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", *FAST, "--name", "r"]) == 0
    assert main(["train", "--resume", "models/r-last.safetensors", "--epochs", "4"]) == 0
    log = (workdir / "logs" / "r.log").read_text()
    assert "resuming after epoch 3 from r" in log and "epoch 4/4 |" in log


def test_inspect_and_evaluate(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", *FAST, "--name", "m"]) == 0
    capsys.readouterr()
    assert main(["inspect", "models/m-best.safetensors"]) == 0
    out = capsys.readouterr().out
    assert "architecture    784-128-10" in out and "resumable       yes" in out and "W1   (128, 784)" in out
    assert main(["evaluate", "models/m-best.safetensors"]) == 0
    out = capsys.readouterr().out
    assert "on synthetic test (100 images)" in out and "per-class accuracy" in out and "confusion matrix" in out


def test_plots_are_written(workdir: Path) -> None:
    assert main(["train", *FAST, "--name", "p", "--plot"]) == 0
    assert (workdir / "logs" / "p-curves.png").stat().st_size > 1000
    assert (workdir / "logs" / "p-confusion.png").stat().st_size > 1000


def test_a_bad_model_file_is_one_line(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "bad.safetensors").write_bytes(b"\x00" * 3)
    assert main(["inspect", "bad.safetensors"]) == 2
    assert (
        capsys.readouterr().err == "verified-nn: error: bad.safetensors: truncated (3 bytes): not a safetensors file\n"
    )


def test_an_invalid_option_value_is_one_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "verified_nn", "train", "--momentum", "1.5"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert result.stderr == "verified-nn: error: momentum must lie in [0, 1), got 1.5\n"


def test_no_progress_bar_when_output_is_not_a_terminal(tmp_path: Path) -> None:
    folder = tmp_path / "data" / "synthetic"
    spec = write_synthetic(folder)
    script = (
        "import sys; from verified_nn.data import DATASETS, DatasetSpec; import json;"
        "DATASETS['mnist'] = DatasetSpec(**json.loads(sys.argv[1]));"
        "from verified_nn.cli import main; sys.exit(main(sys.argv[2:]))"
    )
    import dataclasses
    import json

    result = subprocess.run(
        [
            sys.executable,
            "-c",
            script,
            json.dumps(dataclasses.asdict(spec)),
            "train",
            *FAST,
            "--data-dir",
            str(tmp_path / "data"),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stdout + result.stderr and "it/s" not in result.stderr
    assert "epoch 3/3 |" in result.stdout
