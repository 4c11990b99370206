"""``train``, ``inspect`` and ``evaluate`` on a synthetic dataset; quiet output when not on a terminal."""

import subprocess
import sys
from pathlib import Path

import pytest
from datafiles import fast_training, use_synthetic_mnist, write_synthetic

from verified_nn.cli import main

FAST = fast_training(3, train_eval=400)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    use_synthetic_mnist(tmp_path, monkeypatch)
    return tmp_path


def test_train_writes_checkpoints_and_a_log_and_reports(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", *FAST, "--name", "t", "--lr", "0.05"]) == 0
    out = capsys.readouterr().out
    assert "best epoch" in out and "(by validation accuracy): test accuracy" in out
    assert "model models/t-best.safetensors; log logs/t.log" in out
    assert (workdir / "models" / "t-best.safetensors").exists() and (workdir / "models" / "t-last.safetensors").exists()
    assert '"learning_rate": 0.05' in (workdir / "logs" / "t.log").read_text()


def test_resume_continues_with_more_epochs(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", *FAST, "--name", "r"]) == 0
    assert main(["train", "--resume", "models/r-last.safetensors", "--epochs", "4"]) == 0
    log = (workdir / "logs" / "r.log").read_text()
    assert "resuming from r after epoch 3" in log and "epoch 4/4 |" in log


def test_resume_takes_the_runs_own_preset_and_refuses_another(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    small = [*FAST, "--hidden", "16"]
    assert main(["train", "--preset", "best", *small, "--name", "p"]) == 0
    capsys.readouterr()
    # Another preset was ignored: the run went on as the checkpoint's, whatever --preset said.
    assert main(["train", "--resume", "models/p-last.safetensors", "--preset", "cnn", *small, "--epochs", "4"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "verified-nn: error: models/p-last.safetensors: --preset cnn differs from the checkpoint's configuration in "
    )
    assert "conv" in err and err.endswith(
        "a resumed run continues the checkpoint's (drop --preset, or start a new run)\n"
    )
    assert "epoch 4/4" not in (workdir / "logs" / "p.log").read_text()
    # The original command line with --resume added goes on.
    assert main(["train", "--resume", "models/p-last.safetensors", "--preset", "best", *small, "--epochs", "4"]) == 0
    assert "epoch 4/4 |" in (workdir / "logs" / "p.log").read_text()


def test_inspect_and_evaluate(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", *FAST, "--name", "m"]) == 0
    capsys.readouterr()
    assert main(["inspect", "models/m-best.safetensors"]) == 0
    out = capsys.readouterr().out
    assert "architecture        784 -> Dense(784 -> 128, float32) -> ReLU() -> Dense(128 -> 10, float32) -> 10" in out
    assert "resumable           yes" in out and "0.weight   128x784" in out
    assert main(["evaluate", "models/m-best.safetensors"]) == 0
    out = capsys.readouterr().out
    assert "on synthetic test (100 examples)" in out and "per-class accuracy" in out and "confusion matrix" in out
    assert "\n    0              " in out, "a digit class is shown once, not as '0 0'"


def test_any_architecture_from_the_command_line_and_resume(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    options = [
        "--hidden",
        "32,16",
        "--activation",
        "tanh",
        "--optimizer",
        "adamw",
        "--weight-decay",
        "1e-4",
        "--dropout",
        "0.2",
    ]
    assert main(["train", *FAST, "--name", "a", *options, "--lr", "0.003"]) == 0
    capsys.readouterr()
    assert main(["inspect", "models/a-last.safetensors"]) == 0
    out = capsys.readouterr().out
    assert "Dense(784 -> 32, float32) -> Tanh() -> Dropout(rate=0.2) -> Dense(32 -> 16, float32)" in out
    assert '"name": "adamw"' in out and "3.weight" in out
    assert main(["train", "--resume", "models/a-last.safetensors", "--epochs", "4"]) == 0
    assert "epoch 4/4 |" in (workdir / "logs" / "a.log").read_text()
    assert main(["evaluate", "models/a-best.safetensors"]) == 0
    assert main(["train", "--resume", "models/a-last.safetensors", "--hidden", "64", "--epochs", "5"]) == 2
    assert "the checkpoint's architecture is 784 -> Dense(784 -> 32" in capsys.readouterr().err


def test_train_help_shows_the_architecture_options_with_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    for text in (
        "--hidden W1,W2,...",
        "(default 128)",
        "--optimizer {sgd,momentum,nesterov,adam,adamw}",
        "(default momentum)",
        "--weight-decay",
        "--dropout RATE",
        "--validation-size",
        "(default: a twelfth, at most 5000, when that is at least 1000 or --patience is given",
        "--patience N",
        "--warmup EPOCHS",
        "--data PATH [PATH ...]",
        "learning rate (default: the preset's, else 0.05 for sgd, momentum and nesterov, 0.001 for adam and adamw)",
    ):
        assert text in out


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
    assert result.stderr == "verified-nn: error: --momentum must lie in [0, 1), got 1.5\n"


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


def test_reusing_a_name_needs_overwrite_and_the_message_names_the_flags(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", *FAST, "--name", "same"]) == 0
    capsys.readouterr()
    assert main(["train", *FAST, "--name", "same"]) == 2
    err = capsys.readouterr().err
    assert "run same exists" in err and "--resume models/same-last.safetensors" in err and "--overwrite" in err
    assert main(["train", *FAST, "--name", "same", "--overwrite"]) == 0
    assert main(["train", *FAST, "--name", "../up"]) == 2
    assert "--name: run name '../up' must be 1 to 100 letters" in capsys.readouterr().err


def test_inspect_shows_control_characters_from_metadata_as_escapes(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    import safetensors.numpy

    assert main(["train", *FAST, "--name", "esc"]) == 0
    path = workdir / "models" / "esc-best.safetensors"
    content = path.read_bytes()
    header = json.loads(content[8 : 8 + int.from_bytes(content[:8], "little")])["__metadata__"]
    tensors = safetensors.numpy.load_file(path)
    path.write_bytes(safetensors.numpy.save(tensors, metadata={**header, "dataset": "mnist\x1b[2J\x07"}))
    capsys.readouterr()
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "mnist\\x1b[2J\\x07" in out


def test_a_missing_matplotlib_is_reported_before_training(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert main(["train", *FAST, "--name", "noplot", "--plot"]) == 2
    assert "plots need matplotlib" in capsys.readouterr().err
    assert not (workdir / "logs" / "noplot.log").exists()


def test_a_missing_matplotlib_is_reported_before_evaluating(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", *FAST, "--name", "m"]) == 0
    capsys.readouterr()
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert main(["evaluate", "models/m-best.safetensors", "--confusion-png", "c.png"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == (
        "verified-nn: error: plots need matplotlib: pip install 'verified-nn[plots]'\n"
    )


def test_inspect_and_evaluate_explain_themselves_in_help(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("inspect", "evaluate"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        out = " ".join(capsys.readouterr().out.split())
        assert "model a model file (.safetensors) written by train or import-torch" in out
        assert {"inspect": "Print what a model file holds", "evaluate": "Score a model file"}[command] in out
