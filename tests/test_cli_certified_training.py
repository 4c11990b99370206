"""``train --certified-eps``: the ramp in the log, the settings in the checkpoint (resume, inspect), refusals;
on real MNIST (slow), a briefly trained certified network that certify proves where a plain one fails."""

import json
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from datafiles import fast_training, use_synthetic_mnist

from verified_nn.certify import (
    VERIFIED,
    AttackConfig,
    CertifyConfig,
    certify_images,
    check_certifiable,
    linf_ball,
    pgd_attack,
)
from verified_nn.cli import main
from verified_nn.data import load
from verified_nn.training import PRESETS, TrainConfig, load_model, preset, train

FAST = [*fast_training(3, train_eval=200), "--hidden", "24,16"]
CERTIFIED = [
    "--certified-eps",
    "8/255",
    "--certified-warmup",
    "1",
    "--certified-ramp",
    "1",
    "--certified-kappa",
    "0.25",
]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    use_synthetic_mnist(tmp_path, monkeypatch)
    return tmp_path


def _logged_eps(log: str) -> list[float]:
    return [float(value) for value in re.findall(r"\| eps ([0-9.e-]+) \| kappa", log)]


def test_certified_training_ramps_eps_saves_its_settings_and_inspect_shows_them(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", *FAST, *CERTIFIED, "--name", "c"]) == 0
    out = capsys.readouterr().out
    assert "(by interval-verified validation examples)" in out and "interval-verified at eps 0.0313725" in out
    log = (workdir / "logs" / "c.log").read_text()
    eps = _logged_eps(log)
    assert eps[0] == 0 and eps[-1] == pytest.approx(8 / 255, rel=1e-3)  # warm-up at 0, then the full radius
    assert eps == sorted(eps)  # never decreasing
    assert "val verified" in log and "test verified" in log
    saved = load_model(workdir / "models" / "c-last.safetensors")
    config = json.loads(saved.metadata["config"])
    assert config["certified_eps"] == pytest.approx(8 / 255) and config["certified_kappa"] == 0.25
    assert main(["inspect", "models/c-last.safetensors"]) == 0
    shown = capsys.readouterr().out
    assert "certified_training  ibp, eps 0.0313725, warm-up 1 epochs, ramp 1 epochs, kappa 0.25" in shown
    assert re.search(r"test_verified\s+[01]\.\d{6}", shown)


def test_a_resumed_certified_run_keeps_training_at_the_full_radius(workdir: Path) -> None:
    assert main(["train", *FAST, *CERTIFIED, "--name", "r"]) == 0
    assert main(["train", "--resume", "models/r-last.safetensors", "--epochs", "4"]) == 0
    log = (workdir / "logs" / "r.log").read_text()
    resumed = log[log.index("resuming from r after epoch 3") :]
    eps = _logged_eps(resumed)
    assert eps and all(value == pytest.approx(8 / 255, rel=1e-3) for value in eps)
    assert "epoch 4/4 |" in resumed and "val verified" in resumed


def test_dropout_is_refused_with_one_line(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", *FAST, *CERTIFIED, "--dropout", "0.2"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "verified-nn: error: certified training does not support dropout (dropout 0.2); train with --dropout 0\n"
    )


def test_crown_ibp_refuses_tanh_before_training(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", *FAST, *CERTIFIED, "--activation", "tanh", "--certified-method", "crown-ibp"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("verified-nn: error: crown-ibp relaxes the ReLU family; layer 1 is Tanh()")
    assert err.count("\n") == 1 and not list(workdir.glob("models/*.safetensors"))


def test_a_cnn_trains_against_its_bound_and_records_the_verified_fractions(workdir: Path) -> None:
    assert main(["train", *FAST, *CERTIFIED, "--conv", "4", "--kernel", "3", "--hidden", "16", "--name", "cnn"]) == 0
    saved = load_model(workdir / "models" / "cnn-last.safetensors")
    assert "ibp, eps" in saved.metadata["certified_training"]
    assert "Conv2D" in saved.network.describe()


def test_crown_ibp_trains_and_tanh_trains_with_intervals(workdir: Path) -> None:
    crown = ["--certified-method", "crown-ibp", "--certified-beta", "0.5"]
    assert main(["train", *FAST, *CERTIFIED, *crown, "--name", "k", "--epochs", "2"]) == 0
    assert (
        "crown-ibp, eps 0.0313725"
        in load_model(workdir / "models" / "k-last.safetensors").metadata["certified_training"]
    )
    assert main(["train", *FAST, *CERTIFIED, "--activation", "tanh", "--name", "t", "--epochs", "2"]) == 0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--certified-eps", "0"], r"--certified-eps must lie in \(0, 1\] or be unset, got 0\.0"),
        (["--certified-eps", "0.1", "--certified-ramp", "5"], r"certified.ramp 5 after a warm-up of 1 epochs"),
        (["--certified-eps", "0.1", "--certified-kappa", "2"], r"--certified-kappa must lie in \[0, 1\], got 2\.0"),
    ],
)
def test_bad_certified_settings_are_one_line(
    options: list[str], message: str, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", *FAST, *options]) == 2
    err = capsys.readouterr().err
    assert re.search(message, err) and err.count("\n") == 1


def test_a_radius_that_is_not_a_number_is_refused_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--certified-eps", "1/0"])
    assert exit_info.value.code == 2
    assert "expected a number such as 0.1 or 8/255, got '1/0'" in capsys.readouterr().err


def test_the_certified_preset_trains_against_eps_one_tenth_without_dropout() -> None:
    config = preset("certified")
    assert config.certified_eps == 0.1 and config.dropout == 0 and config.certified_method == "ibp"
    assert config.epochs is not None and config.certified_warmup + config.certified_ramp <= config.epochs
    assert "certified" in PRESETS


@pytest.mark.slow
def test_on_real_mnist_certified_training_makes_a_network_certify_can_prove_at_eps_one_tenth(
    real_data_dir: Path, tmp_path: Path
) -> None:
    """A plain network certifies nothing at eps 0.1; a certified one, trained as briefly, certifies many,
    and each of its verified images survives a strong attack."""
    pytest.importorskip("scipy")
    settings: dict[str, Any] = {
        "hidden": (64,),
        "epochs": 3,
        "train_size": 20_000,
        "validation_size": 0,
        "test_size": 200,
    }
    settings |= {"train_eval_size": 200, "log_every": 10_000, "optimizer": "adam", "learning_rate": 1e-3}
    robust: dict[str, Any] = {"certified_eps": 0.1, "certified_warmup": 1.0, "certified_ramp": 1.0}
    test = load("mnist", "test", directory=real_data_dir, dtype="float32", report=lambda _: None)
    images, labels = np.asarray(test.inputs)[:40], test.labels[:40]
    config = CertifyConfig(eps=Fraction(1, 10), method="crown")
    verified = {}
    plain: dict[str, Any] = {}
    for name, extra in (("plain", plain), ("robust", robust)):
        result = train(
            TrainConfig(**settings, **extra),
            data_dir=real_data_dir,
            out_dir=tmp_path,
            log_dir=tmp_path,
            name=name,
            echo=False,
        )
        network = check_certifiable(load_model(result.best_path).network)
        results = certify_images(network, images, labels, config)
        verified[name] = [r.index for r in results if r.status == VERIFIED]
    assert not verified["plain"] and len(verified["robust"]) >= 10, verified
    strong = AttackConfig(restarts=20, steps=100)
    for index in verified["robust"]:
        attack = pgd_attack(
            network, linf_ball(images[index], config.eps), int(labels[index]), config=strong, seed=index
        )
        assert attack.example is None
