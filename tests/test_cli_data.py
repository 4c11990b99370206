"""The data commands on a small fixture dataset, user errors as one line, and real MNIST end to end."""

import subprocess
import sys
from pathlib import Path

import pytest
from datafiles import FILES, spec_for, write_dataset

from verified_nn.cli import main
from verified_nn.cli._render import ascii_art
from verified_nn.data import DATASETS, MNIST


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "verified_nn", *args], capture_output=True, text=True, check=False, env=env
    )


def test_ascii_art_draws_brighter_pixels_denser() -> None:
    import numpy as np

    image = np.zeros(784, dtype=np.uint8)
    image[:28] = 255
    lines = ascii_art(image).splitlines()
    assert len(lines) == 28 and lines[0] == "@" * 28 and lines[1] == " " * 28
    assert ascii_art(image, inverted=True).splitlines()[1] == "@" * 28


@pytest.fixture
def tiny_mnist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fixture dataset standing in for MNIST, with no route to fetch anything from."""
    contents = write_dataset(tmp_path / "tiny")
    monkeypatch.setitem(DATASETS, "mnist", spec_for(contents))
    return tmp_path


def test_render_distribution_and_check_on_fixture_data(tiny_mnist: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", "3", "--data-dir", str(tiny_mnist)]) == 0
    assert "tiny train sample 3: label 3 (class 3)" in capsys.readouterr().out
    assert main(["data", "distribution", "--split", "test", "--data-dir", str(tiny_mnist)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("tiny test: 12 samples") and "  0 class 0           2  16.67%" in out
    assert "imbalanced: the largest class is 2.00x the smallest" in out
    assert main(["data", "check", "--data-dir", str(tiny_mnist)]) == 0
    assert "train     30 samples" in capsys.readouterr().out


def test_a_class_without_examples_is_named_rather_than_given_a_ratio(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("gap.csv").write_text("a,label\n1,0\n2,2\n3,0\n4,2\n")  # classes 0 and 2: class 1 is empty
    assert main(["data", "distribution", "--data", "gap.csv"]) == 0
    out = capsys.readouterr().out
    assert out.endswith("imbalanced: 1 of 3 classes has no examples (1)\n") and "largest class" not in out


def test_a_file_that_is_not_the_datasets_is_one_line_left_untouched_and_a_nonzero_exit(
    tiny_mnist: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tiny_mnist / "tiny" / FILES["train-images"]).write_bytes(b"not gzip at all")
    assert main(["render", "0", "--data-dir", str(tiny_mnist)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1
    assert err.startswith(f"verified-nn: error: {tiny_mnist / 'tiny' / FILES['train-images']}: not tiny's ")
    assert (
        "(a file of 15 bytes, SHA-256 " in err
        and "left untouched; to use your own data, pass its file with --data PATH; " in err
    )  # not an IDX file: no IDX pair is suggested (its partner, the labels file, is not there either)
    assert (tiny_mnist / "tiny" / FILES["train-images"]).read_bytes() == b"not gzip at all"


def test_render_refuses_an_index_outside_the_split(tiny_mnist: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", "29", "--count", "5", "--data-dir", str(tiny_mnist)]) == 2
    assert capsys.readouterr().err == "verified-nn: error: samples 29..33 are outside the 30 samples of tiny train\n"


def test_a_user_error_exits_nonzero_without_a_traceback() -> None:
    result = _cli("render", "--count", "0")
    assert result.returncode == 2
    assert result.stderr == "verified-nn: error: --count must be >= 1, got 0\n"


@pytest.mark.slow
def test_real_mnist_end_to_end(real_data_dir: Path) -> None:
    """render, distribution and check on the real files, fetched by the mirror or registry route."""
    render = _cli("render", "0", "--data-dir", str(real_data_dir))
    assert render.returncode == 0, render.stderr
    assert "mnist train sample 0: label 5" in render.stdout
    assert render.stdout.count("\n") >= 29
    distribution = _cli("data", "distribution", "--data-dir", str(real_data_dir))
    assert "  0                5923" in distribution.stdout and "  1                6742" in distribution.stdout
    check = _cli("data", "check", "--data-dir", str(real_data_dir))
    assert "train  60000 samples" in check.stdout and "test   10000 samples" in check.stdout
    assert "pixels in [0.0, 1.0]" in check.stdout
    assert check.stdout.count("SHA-256 ok") == len(MNIST.sha256)
