"""``verified-nn certify``: the table, the JSON and the PNGs on a synthetic dataset; on real MNIST (slow)
its verified images survive a strong attack and its counterexamples change the saved model's prediction."""

import importlib.util
import json
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from datafiles import fast_training, use_synthetic_mnist, write_synthetic

from verified_nn.certify import (
    COUNTEREXAMPLE,
    AttackConfig,
    CertifyConfig,
    CertifyError,
    ImageResult,
    certify_images,
    linf_ball,
    pgd_attack,
)
from verified_nn.cli import _certify as cli_certify, main
from verified_nn.cli._certify import load_network
from verified_nn.data import DATASETS, load
from verified_nn.files import OutputError
from verified_nn.training import load_model, preset, train

pytest.importorskip("scipy")

FAST = fast_training(3, train_eval=400)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    use_synthetic_mnist(tmp_path, monkeypatch)
    assert main(["train", *FAST, "--name", "m"]) == 0
    return tmp_path


def test_certify_prints_the_table_and_writes_json_and_pngs(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    status = main(
        [
            "certify",
            "models/m-best.safetensors",
            "--eps",
            "8/255",
            "--count",
            "12",
            "--json",
            "out/c.json",
            "--png",
            "png",
        ]
    )
    assert status == 0
    out = capsys.readouterr().out
    for line in (
        "certify: 12 examples, eps 8/255 = 0.0313725, inputs in [0, 1], method complete",
        "clean accuracy",
        "certified (lower bound)",
        "attack upper bound",
        "exact robust accuracy",
        "timeouts",
        "float-undecided",
        "time",
    ):
        assert line in out
    record = json.loads((workdir / "out" / "c.json").read_text())
    assert record["summary"]["count"] == 12 and len(record["images"]) == 12
    counterexamples = [r for r in record["images"] if r["status"] == "counterexample"]
    pngs = sorted(p.name for p in (workdir / "png").glob("*.png"))
    assert len(pngs) == len(counterexamples)
    assert pngs == sorted(
        f"{r['index']:05d}-label{r['label']}-as{r['counterexample_class']}.png" for r in counterexamples
    )
    assert f"wrote {len(pngs)} counterexample images to png" in out


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--eps", "2/0"], "--eps must be a number such as 0.01 or a fraction such as 2/255, got '2/0'"),
        (["--eps", "0.1", "--count", "0"], "--count must be >= 1, got 0"),
        (["--eps", "0.1", "--jobs", "0"], "--jobs must be >= 1, got 0"),
        (["--eps", "0.1", "--time-limit", "-1"], "--time-limit must be a finite number of seconds > 0, got -1"),
    ],
)
def test_a_bad_option_is_one_line(
    workdir: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], message: str
) -> None:
    capsys.readouterr()
    assert main(["certify", "models/m-best.safetensors", *arguments]) == 2
    assert capsys.readouterr().err == f"verified-nn: error: {message}\n"


@pytest.mark.slow
def test_on_real_mnist_verified_images_survive_attack_and_counterexamples_flip_the_saved_model(
    real_data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = train(preset("medium"), data_dir=real_data_dir, out_dir=tmp_path, log_dir=tmp_path, name="m", echo=False)
    model = result.best_path
    arguments = ["certify", str(model), "--eps", "0.03", "--count", "12", "--method", "crown"]
    assert main([*arguments, "--data-dir", str(real_data_dir)]) == 0
    assert "certify: 12 examples, eps 3/100 = 0.03, inputs in [0, 1], method crown" in capsys.readouterr().out
    test = load("mnist", "test", directory=real_data_dir, dtype="float32", report=lambda _: None)
    network, mlp = load_network(model), load_model(model).network
    config = CertifyConfig(eps=Fraction(3, 100), time_limit=5)
    results = certify_images(network, np.asarray(test.inputs)[:12], test.labels[:12], config)
    assert {r.status for r in results} >= {"verified", "counterexample"}
    strong = AttackConfig(restarts=20, steps=100)
    for r in results:
        ball = linf_ball(np.asarray(test.inputs)[r.index], config.eps)
        if r.status == "verified":
            assert pgd_attack(network, ball, r.label, config=strong, seed=1).example is None
        if r.status == "counterexample":  # checked against the saved model's own predict
            assert r.counterexample is not None and ball.contains(r.counterexample)
            assert int(mlp.predict(r.counterexample[np.newaxis, :])[0]) == r.counterexample_class != r.label


def _interrupt_after(finished: int, monkeypatch: pytest.MonkeyPatch, *, jobs: int, error: BaseException) -> None:
    """Make ``certify`` stop with ``error`` once ``finished`` examples have finished (its own ``certify_images``
    runs, with ``jobs``): as Ctrl-C, or a failure, in the middle of a run."""
    real = certify_images

    def stopping(*args: Any, on_result: Callable[[Any], object], **options: Any) -> Any:
        seen: list[Any] = []

        def count(result: Any) -> None:
            on_result(result)
            seen.append(result)
            if len(seen) == finished:
                raise error

        return real(*args, **{**options, "jobs": jobs, "on_result": count})

    monkeypatch.setattr(cli_certify, "certify_images", stopping)


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_interrupted_run_writes_the_examples_that_finished(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    _interrupt_after(3, monkeypatch, jobs=jobs, error=KeyboardInterrupt())
    capsys.readouterr()
    command = ["certify", "models/m-best.safetensors", "--eps", "8/255", "--count", "12", "--json", "c.json"]
    assert main(command) == 130
    err = capsys.readouterr().err
    assert "verified-nn: interrupted: the 3 of 12 examples that finished are written" in err
    assert "Traceback" not in err
    record = json.loads((workdir / "c.json").read_text())
    assert record["summary"]["count"] == 3 and record["summary"]["requested"] == 12
    indices = [r["index"] for r in record["images"]]
    assert len(indices) == 3 and indices == sorted(indices)


def test_a_failed_run_writes_what_finished_and_one_that_finished_nothing_leaves_the_old_file(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    command = ["certify", "models/m-best.safetensors", "--eps", "8/255", "--count", "6", "--json", "c.json"]
    _interrupt_after(2, monkeypatch, jobs=1, error=CertifyError("planted"))
    capsys.readouterr()
    assert main(command) == 2
    err = capsys.readouterr().err
    assert err == "verified-nn: the 2 of 6 examples that finished are written\nverified-nn: error: planted\n"
    first = (workdir / "c.json").read_bytes()
    assert json.loads(first)["summary"]["count"] == 2
    monkeypatch.setattr(cli_certify, "certify_images", _raises(KeyboardInterrupt()))
    assert main([*command, "--png", "png"]) == 130
    assert "interrupted: no example finished; nothing was written" in capsys.readouterr().err
    assert (workdir / "c.json").read_bytes() == first and not (workdir / "png").exists()


def _raises(error: BaseException) -> Callable[..., Any]:
    def fail(*args: Any, **options: Any) -> Any:
        raise error

    return fail


def test_without_scipy_the_complete_method_is_refused_before_any_image(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # It ran with timeouts where branch-and-bound never reached the exact stage, and said nothing.
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *rest: None if name == "scipy" else real(name, *rest))
    capsys.readouterr()
    command = ["certify", "models/m-best.safetensors", "--eps", "8/255", "--count", "2"]
    assert main(command) == 2
    captured = capsys.readouterr()
    assert captured.err == "verified-nn: error: the complete method needs scipy: pip install 'verified-nn[certify]'\n"
    assert captured.out == ""
    assert main([*command, "--method", "crown"]) == 0


def test_certify_and_float_check_say_when_the_data_is_not_the_models(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # An MNIST model certified on Fashion-MNIST said nothing (evaluate said so): a 0% table, unexplained.
    monkeypatch.setitem(DATASETS, "fashion-mnist", write_synthetic(workdir / "data" / "fashion"))
    note = "note: models/m-best.safetensors was trained on mnist; {} it on fashion-mnist as asked"
    capsys.readouterr()
    arguments = ["models/m-best.safetensors", "--dataset", "fashion-mnist"]
    assert main(["certify", *arguments, "--eps", "0.01", "--count", "2", "--method", "crown"]) == 0
    assert note.format("certifying") in capsys.readouterr().out.splitlines()
    assert main(["float-check", *arguments, "--count", "2"]) == 0
    assert note.format("checking") in capsys.readouterr().out.splitlines()
    assert main(["evaluate", *arguments]) == 0
    assert note.format("evaluating") in capsys.readouterr().out.splitlines()
    assert main(["certify", "models/m-best.safetensors", "--eps", "0.01", "--count", "2", "--method", "crown"]) == 0
    assert "note:" not in capsys.readouterr().out


def test_counterexample_pngs_never_replace_a_file_of_another_kind(tmp_path: Path) -> None:
    image = np.linspace(0, 1, 16, dtype=np.float32)

    def found(index: int) -> ImageResult:
        return ImageResult(index, 1, 1, COUNTEREXAMPLE, "attack", -np.inf, 0.0, -0.5, -1, 0.0, 0.1, image, 2)

    results = [found(0), found(1)]
    images = np.stack([image, image])
    planted = tmp_path / "00001-label1-as2.png"
    planted.write_bytes(b"a model, not a PNG")
    with pytest.raises(OutputError, match=r"^--png .*00001-label1-as2\.png: exists and is not a PNG file"):
        cli_certify.write_counterexamples(tmp_path, results, images, 0.1)
    assert planted.read_bytes() == b"a model, not a PNG"
    assert not (tmp_path / "00000-label1-as2.png").exists()  # checked all before writing any
    planted.unlink()
    assert cli_certify.write_counterexamples(tmp_path, results, images, 0.1) == 2
    assert cli_certify.write_counterexamples(tmp_path, results, images, 0.1) == 2  # its own PNGs are replaced
    assert (tmp_path / "00001-label1-as2.png").read_bytes().startswith(b"\x89PNG")
