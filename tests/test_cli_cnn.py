"""CNNs through the configuration and the command line: --conv and --kernel, the cnn preset, inspect, evaluate,
resume, smoke, and the architecture of a checkpoint kept on resume; on a synthetic dataset."""

from pathlib import Path

import numpy as np
import pytest
from datafiles import fast_training, use_synthetic_mnist

from verified_nn.cli import main
from verified_nn.core import InvalidArgumentError
from verified_nn.network import cnn
from verified_nn.predict import classify
from verified_nn.training import TrainConfig, build_network, load_model, preset, save_model

FAST = fast_training(2, train_eval=200)
SMALL_CNN = ["--conv", "4,6", "--kernel", "3", "--hidden", "16"]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    use_synthetic_mnist(tmp_path, monkeypatch)
    return tmp_path


def test_the_cnn_preset_describes_a_lenet_style_network() -> None:
    config = preset("cnn")
    assert (config.conv, config.kernel, config.hidden, config.dropout) == ((32, 32), 3, (128,), 0.3)
    assert config.architecture(784, 10) == "784-c32k3-c32k3-128-10"
    assert build_network(config, (784,), 10).describe().startswith("784 -> Reshape(784 -> 1x28x28) -> Conv2D(1 -> 32, 3x3")
    assert preset("cnn", dataset="fashion-mnist").dataset == "fashion-mnist"


def test_conv_and_kernel_are_validated_and_round_trip_through_json() -> None:
    config = TrainConfig(conv=[8, 16], kernel=3)  # type: ignore[arg-type]  # lists come from JSON
    assert config.conv == (8, 16) and TrainConfig.from_json(config.to_json()) == config
    assert TrainConfig().conv == () and TrainConfig().architecture(784, 10) == "784-128-10"
    with pytest.raises(InvalidArgumentError, match=r"conv must be a list of channel counts >= 1, got \(8, 0\)"):
        TrainConfig(conv=(8, 0))
    with pytest.raises(InvalidArgumentError, match=r"kernel must be >= 1, got 0"):
        TrainConfig(kernel=0)


def test_a_checkpoint_of_the_first_release_config_still_reads() -> None:
    old = TrainConfig().to_json().replace(', "conv": []', "").replace(', "kernel": 5', "")
    old = old.replace(', "conv_stride": 1', "")
    assert "conv" not in old and TrainConfig.from_json(old) == TrainConfig()


def test_train_inspect_evaluate_and_resume_a_cnn(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", *FAST, *SMALL_CNN, "--name", "c", "--lr", "0.05"]) == 0
    assert "best epoch" in capsys.readouterr().out
    log = (workdir / "logs" / "c.log").read_text()
    assert "network 784 -> Reshape(784 -> 1x28x28) -> Conv2D(1 -> 4, 3x3, stride 1, padding 1, float32)" in log
    assert main(["inspect", "models/c-best.safetensors"]) == 0
    out = capsys.readouterr().out
    assert "MaxPool2D(2x2, stride 2, padding 0) -> ReLU() -> Flatten() -> Dense(294 -> 16, float32)" in out
    assert "1.weight   4x1x3x3" in out and "4.weight   6x4x3x3" in out and "resumable           yes" in out
    assert main(["evaluate", "models/c-best.safetensors"]) == 0
    assert "on synthetic test (100 examples)" in capsys.readouterr().out
    assert main(["train", "--resume", "models/c-last.safetensors", "--epochs", "3"]) == 0
    log = (workdir / "logs" / "c.log").read_text()
    assert "resuming from c after epoch 2" in log and "epoch 3/3 |" in log
    saved = load_model(workdir / "models" / "c-last.safetensors")
    assert saved.network.describe() == load_model(workdir / "models" / "c-best.safetensors").network.describe()
    capsys.readouterr()
    assert main(["smoke", "--model", "models/c-best.safetensors"]) == 0
    out = capsys.readouterr().out
    assert (
        "gradient shapes           1.weight 4x1x3x3, 1.bias 4, 4.weight 6x4x3x3" in out and "6 passed, 0 failed" in out
    )


def test_resuming_with_another_convolution_is_refused(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", *FAST, *SMALL_CNN, "--epochs", "1", "--name", "d"]) == 0
    capsys.readouterr()
    assert main(["train", "--resume", "models/d-last.safetensors", "--conv", "8", "--epochs", "2"]) == 2
    err = capsys.readouterr().err
    assert "the checkpoint's architecture is 784 -> Reshape(784 -> 1x28x28) -> Conv2D(1 -> 4" in err
    assert "--conv asks for another (start a new run instead)" in err


def test_a_resumed_cnn_run_repeats_an_unbroken_one(workdir: Path) -> None:
    fixed = ["--threads", "1"]  # a fixed count repeats bit for bit ("auto" may choose differently per epoch)
    assert main(["train", *FAST, *SMALL_CNN, *fixed, "--epochs", "2", "--name", "whole"]) == 0
    assert main(["train", *FAST, *SMALL_CNN, *fixed, "--epochs", "1", "--name", "part"]) == 0
    assert main(["train", "--resume", "models/part-last.safetensors", "--epochs", "2"]) == 0
    whole = load_model(workdir / "models" / "whole-last.safetensors").network
    resumed = load_model(workdir / "models" / "part-last.safetensors").network
    for mine, theirs in zip(whole.parameters(), resumed.parameters(), strict=True):
        assert (mine == theirs).all()


def test_train_help_shows_the_convolution_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    for text in (
        "--conv C1,C2,...",
        "--kernel K",
        "(default 5; the cnn preset: 3)",
        "the cnn preset: 32,32",
        "flatten 3136",
    ):
        assert text in out


def test_a_bad_convolution_option_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--conv", "8", "--kernel", "0"]) == 2
    assert capsys.readouterr().err == "verified-nn: error: --kernel must be >= 1, got 0\n"


@pytest.mark.parametrize("options", [["--kernel", "7", "--hidden", "32"], ["--preset", "best", "--kernel", "3"]])
def test_a_kernel_without_convolutions_is_refused_in_one_line(
    options: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["train", *options]) == 2
    kernel = options[options.index("--kernel") + 1]
    assert capsys.readouterr().err == (
        f"verified-nn: error: --kernel {kernel}: the network has no convolutions to use it "
        "(add --conv C1,C2,... or --preset cnn)\n"
    )
    assert list(tmp_path.iterdir()) == [], "refused before any file or download"


def test_predict_classifies_images_with_a_cnn(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    network = cnn((4,), kernel=3, hidden=(8,), rng=np.random.default_rng(0))
    save_model(tmp_path / "c.safetensors", network, {"dataset": "mnist"})
    images = np.random.default_rng(1).integers(0, 256, size=(3, 28, 28), dtype=np.uint8)
    np.save(tmp_path / "batch.npy", images)
    assert main(["predict", str(tmp_path / "c.safetensors"), str(tmp_path / "batch.npy")]) == 0
    lines = capsys.readouterr().out.splitlines()
    expected = classify(network, images)
    assert len(lines) == 3
    for index, (line, prediction) in enumerate(zip(lines, expected, strict=True)):
        top = ", ".join(f"{label} {p:.2%}" for label, p in prediction.top)
        assert (
            line
            == f"{tmp_path / 'batch.npy'}[{index}]: {prediction.label} ({prediction.probability:.2%}) | top 3: {top}"
        )
    probabilities = network.probabilities(images.reshape(3, 784).astype(np.float32) / 255)
    assert [p.label for p in expected] == list(probabilities.argmax(axis=1))
