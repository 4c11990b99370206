"""``verified-nn float-check``: the table, the exit status, and a constructed disagreement found end to end."""

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from datafiles import FILES, fast_training, use_synthetic_mnist
from test_exact_check import disagreeing_mlp

from verified_nn.cli import main
from verified_nn.data import DATASETS, DatasetSpec, write_idx
from verified_nn.layers import Dense, ReLU
from verified_nn.network import Network
from verified_nn.training import save_model

FAST = fast_training(2, train_eval=100, log_every=100)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    use_synthetic_mnist(tmp_path, monkeypatch)
    return tmp_path


def _crafted_dataset(folder: Path) -> DatasetSpec:
    # Test image 1 lights pixels 0 and 1 at 255 (1.0): the image the disagreeing MLP gets wrong.
    folder.mkdir(parents=True, exist_ok=True)
    images = np.zeros((3, 28, 28), np.uint8)
    images[1, 0, :2] = 255
    for split in ("train", "test"):
        write_idx(folder / FILES[f"{split}-images"], images)
        write_idx(folder / FILES[f"{split}-labels"], np.zeros(3, np.uint8))
    digests = {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in FILES.values()}
    return DatasetSpec(folder.name, FILES, digests, tuple(map(str, range(10))), (), ())


def test_a_trained_model_passes_with_a_table_and_an_audit(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", *FAST, "--name", "m"]) == 0
    capsys.readouterr()
    assert main(["float-check", "models/m-best.safetensors", "--audit", "7"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "models/m-best.safetensors: float32 784-128-10 relu on synthetic test (100 examples)"
    assert lines[1].startswith("  error bound per logit: median ")
    assert lines[2].split("|")[:6] == [
        "  images ",
        " decided by bound ",
        " settled exactly ",
        " disagreements ",
        " exact ties ",
        " undecided ",
    ]
    cells = [cell.strip() for cell in lines[3].split("|")]
    assert cells[0] == "100" and int(cells[1]) + int(cells[2]) == 100 and cells[3:6] == ["0", "0", "0"]
    assert (
        lines[4].startswith("  audit: 7 images recomputed exactly in ") and "every logit within its bound" in lines[4]
    )
    assert lines[5] == "  every float class is the class of exact real arithmetic"


def test_a_constructed_disagreement_fails_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(DATASETS, "mnist", _crafted_dataset(tmp_path / "crafted"))
    mlp, _ = disagreeing_mlp(np.float32)
    save_model(tmp_path / "bad.safetensors", mlp, {"run": "crafted"})
    arguments = ["float-check", str(tmp_path / "bad.safetensors"), "--data-dir", str(tmp_path), "--audit", "0"]
    assert main(arguments) == 1
    out = capsys.readouterr().out
    cells = [cell.strip() for cell in out.splitlines()[3].split("|")]
    assert cells[:6] == ["3", "2", "1", "1", "0", "0"]
    assert "  image 1: disagreement: float class 1, real class 0, float margin " in out
    assert "every float class" not in out
    assert main([*arguments, "--report-only"]) == 0


def test_count_limits_the_images_and_bad_options_are_one_line(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", *FAST, "--name", "c"]) == 0
    capsys.readouterr()
    assert main(["float-check", "models/c-best.safetensors", "--count", "5", "--split", "train", "--audit", "0"]) == 0
    assert "on synthetic train (5 examples)" in capsys.readouterr().out
    assert main(["float-check", "models/c-best.safetensors", "--count", "0"]) == 2
    assert capsys.readouterr().err == "verified-nn: error: --count must be at least 1, got 0\n"
    assert main(["float-check", "missing.safetensors"]) == 2
    assert capsys.readouterr().err.startswith("verified-nn: error: ")


def test_exact_ties_fail_and_the_list_is_cut_at_show(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(DATASETS, "mnist", _crafted_dataset(tmp_path / "crafted"))
    w1: Any = np.ones((128, 784), np.float32)
    b1: Any = np.zeros(128, np.float32)
    w2: Any = np.zeros((10, 128), np.float32)
    b2: Any = np.zeros(10, np.float32)  # every logit is 0 on every image: ten classes tie, in floats and in reals
    mlp: Network[Any, Any] = Network((Dense(weights=w1, bias=b1), ReLU(), Dense(weights=w2, bias=b2)))
    save_model(tmp_path / "flat.safetensors", mlp, {"run": "flat"})
    arguments = ["float-check", str(tmp_path / "flat.safetensors"), "--data-dir", str(tmp_path), "--show", "1"]
    assert main([*arguments, "--audit", "0"]) == 1
    out = capsys.readouterr().out
    assert [cell.strip() for cell in out.splitlines()[3].split("|")][:6] == ["3", "0", "3", "0", "3", "0"]
    assert "  image 0: exact tie: float class 0, real class -, float margin 0, largest bound " in out
    assert "  ... and 2 more" in out


def test_a_tanh_network_says_its_audit_was_skipped_and_why(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", *FAST, "--activation", "tanh", "--name", "t"]) == 0
    capsys.readouterr()
    main(["float-check", "models/t-best.safetensors", "--report-only"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("models/t-best.safetensors: float32 784-128-10 tanh on synthetic test")
    skipped = [line for line in lines if line.startswith("  audit: ")]
    assert skipped == [
        "  audit: skipped: the network has a layer (tanh, sigmoid) whose values exact rational arithmetic "
        "cannot compute; the audit covers networks of rational layers only"
    ]
    assert lines.index(skipped[0]) == 4  # right under the table, where the audit's verdict goes
    main(["float-check", "models/t-best.safetensors", "--report-only", "--audit", "0"])
    assert not any(line.startswith("  audit") for line in capsys.readouterr().out.splitlines())


def test_the_audits_percentage_is_rounded_down_so_only_an_error_at_its_bound_prints_100() -> None:
    from verified_nn.cli._float_check import percent_below

    assert percent_below(0.9999946799494572) == "99.99%"  # a small CNN's largest error / bound
    assert percent_below(1.0) == "100.00%"
    assert percent_below(0.0053) == "0.53%"
    assert percent_below(0.0) == "0.00%"
