"""The trainer on a small synthetic dataset: it learns, is deterministic, resumes, guards, and logs."""

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from datafiles import write_synthetic

from verified_nn.data import DATASETS
from verified_nn.training import (
    SavedModel,
    TrainConfig,
    TrainingError,
    TrainResult,
    _trainer,
    learning_rate_at,
    load_model,
    train,
)


@pytest.fixture
def synthetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setitem(DATASETS, "mnist", write_synthetic(tmp_path / "data" / "synthetic"))
    return tmp_path


CONFIG = TrainConfig(epochs=4, batch_size=16, learning_rate=0.05, log_every=10, train_eval_size=400)


def _train(
    root: Path, config: TrainConfig = CONFIG, name: str = "run", resume: SavedModel | None = None
) -> TrainResult:
    return train(
        config,
        data_dir=root / "data",
        out_dir=root / "models",
        log_dir=root / "logs",
        name=name,
        echo=False,
        resume=resume,
    )


def test_training_learns_and_writes_checkpoints_and_a_log(synthetic: Path) -> None:
    result = _train(synthetic)
    assert len(result.history) == 4 and result.best.test_accuracy >= 0.9
    assert result.history[-1].mean_loss < result.history[0].mean_loss
    log = result.log_path.read_text()
    assert log.startswith("run run | verified-nn") and "initial | test acc" in log
    assert "epoch 2/4 | batch 20/25 | loss " in log and "| grad-norm " in log and "| param-change " in log
    saved = load_model(result.best_path)
    assert float(saved.metadata["test_accuracy"]) == result.best.test_accuracy
    assert TrainConfig.from_json(saved.metadata["config"]) == CONFIG
    assert {
        "epoch",
        "train_accuracy",
        "loss",
        "learning_rate",
        "dataset",
        "train_size",
        "seed",
        "version",
        "time",
    } <= set(saved.metadata)


def test_a_seeded_run_repeats_exactly(synthetic: Path) -> None:
    first = _train(synthetic, name="a")
    second = _train(synthetic, name="b")
    assert [r.test_accuracy for r in first.history] == [r.test_accuracy for r in second.history]
    assert [r.mean_loss for r in first.history] == [r.mean_loss for r in second.history]


def test_a_resumed_run_loses_no_completed_epoch_and_ends_where_an_unbroken_one_does(
    synthetic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    unbroken = _train(synthetic, name="whole")
    schedule = learning_rate_at

    def killed_in_epoch_3(config: TrainConfig, epoch: int) -> float:
        if epoch == 3:
            raise KeyboardInterrupt  # the run is stopped by force during its third epoch
        return schedule(config, epoch)

    monkeypatch.setattr(_trainer, "learning_rate_at", killed_in_epoch_3)
    with pytest.raises(KeyboardInterrupt):
        _train(synthetic, name="part")
    monkeypatch.setattr(_trainer, "learning_rate_at", schedule)
    checkpoint = load_model(synthetic / "models" / "part-last.safetensors")
    assert checkpoint.metadata["epoch"] == "2" and checkpoint.velocity is not None
    resumed = _train(synthetic, CONFIG, name="part", resume=checkpoint)
    assert [r.epoch for r in resumed.history] == [1, 2, 3, 4]
    assert [r.test_accuracy for r in resumed.history] == [r.test_accuracy for r in unbroken.history]
    np.testing.assert_array_equal(resumed.mlp.layer1.weights, unbroken.mlp.layer1.weights)


def test_divergence_stops_the_run_naming_epoch_and_batch_and_keeps_the_best(synthetic: Path) -> None:
    exploding = dataclasses.replace(CONFIG, learning_rate=0.5, momentum=0.99, max_grad_norm=50.0, log_every=1)
    with pytest.raises(
        TrainingError,
        match=r"^epoch \d+, batch \d+: the gradient norm .* exceeds 50: .*lower it \(--lr .*\) or clip gradients \(--clip-norm 5\); the best model so far is kept in",
    ):
        _train(synthetic, exploding, name="boom")


def test_clipping_keeps_a_hot_learning_rate_finite(synthetic: Path) -> None:
    clipped = dataclasses.replace(CONFIG, learning_rate=0.5, momentum=0.9, clip_norm=1.0, epochs=2)
    result = _train(synthetic, clipped, name="clipped")
    assert np.isfinite([r.mean_loss for r in result.history]).all()


def test_samples_per_epoch_and_sizes_are_honoured(synthetic: Path) -> None:
    config = dataclasses.replace(CONFIG, samples_per_epoch=100, train_size=300, test_size=50, epochs=1)
    result = _train(synthetic, config, name="small")
    assert "| batch 7/7 |" not in result.log_path.read_text()  # 100 samples / 16 = 7 batches, log every 10
    assert load_model(result.last_path).metadata["train_size"] == "300"


def test_an_exploding_loss_stops_the_run_at_the_batch_where_it_happens(synthetic: Path) -> None:
    hot = dataclasses.replace(CONFIG, learning_rate=50.0, momentum=0.0, lr_schedule="constant")
    with pytest.raises(TrainingError, match=r"^epoch 1, batch \d+: the loss .* exceeds 100: .*no model was saved$"):
        _train(synthetic, hot, name="hot")


def test_a_nan_loss_stops_the_run(synthetic: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    guard = _trainer._Guard(CONFIG, synthetic / "absent.safetensors", saved=False)
    with pytest.raises(
        TrainingError, match=r"^epoch 2, batch 7: the loss is nan: training diverged at learning rate 0.1"
    ):
        guard.check(2, 7, float("nan"), None, 0.1)
    with pytest.raises(TrainingError, match=r"the gradient norm is inf"):
        guard.check(2, 7, 1.0, float("inf"), 0.1)
    guard.check(2, 7, 1.0, 5.0, 0.1)  # a healthy batch passes
