"""The trainer on a small synthetic dataset: it learns, is deterministic, resumes, guards, and logs."""

import dataclasses
import json
import os
import re
from pathlib import Path

import numpy as np
import pytest
from datafiles import write_synthetic

from verified_nn.data import DATASETS
from verified_nn.training import (
    EpochRecord,
    SavedModel,
    TrainConfig,
    TrainingError,
    TrainResult,
    _trainer,
    best_record,
    learning_rate_at,
    load_model,
    train,
)


@pytest.fixture
def synthetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setitem(DATASETS, "mnist", write_synthetic(tmp_path / "data" / "synthetic"))
    return tmp_path


# One fixed BLAS thread: the runs compared here must repeat bit for bit ("auto" may choose differently).
CONFIG = TrainConfig(
    epochs=4, batch_size=16, learning_rate=0.05, log_every=10, train_eval_size=400, validation_size=100, threads=1
)


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
    assert len(result.history) == 4 and result.best.test_accuracy >= 0.9 and result.best.validation_accuracy
    assert result.history[-1].mean_loss < result.history[0].mean_loss
    log = result.log_path.read_text()
    assert log.startswith("run run | verified-nn") and "initial | test acc" in log
    assert "epoch 2/4 | batch 10/19 | loss " in log and "| grad-norm " in log and "| param-change " in log
    saved = load_model(result.best_path)
    assert float(saved.metadata["test_accuracy"]) == result.best.test_accuracy
    assert float(saved.metadata["validation_accuracy"]) == result.best.validation_accuracy
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
    assert checkpoint.metadata["epoch"] == "2" and checkpoint.resumable
    resumed = _train(synthetic, CONFIG, name="part", resume=checkpoint)
    assert [r.epoch for r in resumed.history] == [1, 2, 3, 4]
    assert [r.test_accuracy for r in resumed.history] == [r.test_accuracy for r in unbroken.history]
    for mine, theirs in zip(resumed.network.parameters(), unbroken.network.parameters(), strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_divergence_stops_the_run_naming_epoch_and_batch_and_keeps_the_best(synthetic: Path) -> None:
    exploding = dataclasses.replace(CONFIG, learning_rate=0.5, momentum=0.99, max_grad_norm=50.0, log_every=1)
    with pytest.raises(
        TrainingError,
        match=r"^epoch \d+, batch \d+: the gradient norm .* exceeds 50: .*lower it \(--lr .*\); the best model so far is kept in",
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
    hot = dataclasses.replace(CONFIG, learning_rate=50.0, optimizer="sgd", lr_schedule="constant")
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


@pytest.mark.parametrize(
    "changes",
    [
        {"hidden": (32, 16), "activation": "tanh", "optimizer": "adamw", "learning_rate": 0.003, "weight_decay": 1e-4},
        {"hidden": (24,), "dropout": 0.2, "optimizer": "adam", "learning_rate": 0.003},
        {"hidden": (20, 20), "activation": "leaky_relu", "optimizer": "nesterov", "dtype": "float64"},
    ],
    ids=["tanh-adamw", "dropout-adam", "leaky-nesterov-f64"],
)
def test_any_architecture_and_optimizer_trains_and_resumes_bit_for_bit(
    synthetic: Path, monkeypatch: pytest.MonkeyPatch, changes: dict[str, object]
) -> None:
    config = dataclasses.replace(CONFIG, **changes)  # type: ignore[arg-type]
    unbroken = _train(synthetic, config, name="whole")
    assert unbroken.best.test_accuracy >= 0.8
    schedule = learning_rate_at

    def killed_in_epoch_3(config: TrainConfig, epoch: int) -> float:
        if epoch == 3:
            raise KeyboardInterrupt
        return schedule(config, epoch)

    monkeypatch.setattr(_trainer, "learning_rate_at", killed_in_epoch_3)
    with pytest.raises(KeyboardInterrupt):
        _train(synthetic, config, name="part")
    monkeypatch.setattr(_trainer, "learning_rate_at", schedule)
    checkpoint = load_model(synthetic / "models" / "part-last.safetensors")
    assert checkpoint.network.describe() == unbroken.network.describe()
    resumed = _train(synthetic, config, name="part", resume=checkpoint)
    for mine, theirs in zip(resumed.network.parameters(), unbroken.network.parameters(), strict=True):
        np.testing.assert_array_equal(mine, theirs)


def _record(epoch: int, validation: float | None, test: float) -> EpochRecord:
    return EpochRecord(epoch, 0.1, 0.5, 0.9, validation, 0.3 if validation else None, test, 0.3, 1.0, 0.1)


def test_the_best_epoch_is_the_latest_within_one_standard_error_of_the_best_validation_score() -> None:
    history = [_record(1, 0.9600, 0.99), _record(2, 0.9838, 0.90), _record(3, 0.9822, 0.91), _record(4, 0.9700, 0.99)]
    # One standard error of 98.38% on 5,000 images is 0.18 points: epoch 3 (98.22%) is as good as epoch 2.
    assert best_record(history, 5_000).epoch == 3
    assert best_record(history, 50_000).epoch == 2  # with ten times the images the margin shrinks below 0.16
    assert best_record([_record(1, None, 0.5), _record(2, None, 0.4)]).epoch == 2  # no validation: the last


def test_the_best_checkpoint_is_chosen_on_validation_not_test(synthetic: Path) -> None:
    result = _train(synthetic, dataclasses.replace(CONFIG, epochs=3))
    assert result.best == best_record(result.history, 100)
    assert load_model(result.best_path).metadata["epoch"] == str(result.best.epoch)
    none = _train(synthetic, dataclasses.replace(CONFIG, epochs=2, validation_size=0), name="nov")
    assert none.best == none.history[-1] and none.best.validation_accuracy is None


def test_a_user_network_is_trained_as_given(synthetic: Path) -> None:
    from verified_nn.network import mlp

    network = mlp((784, 12, 10), rng=np.random.default_rng(5), activation="tanh")
    result = train(
        dataclasses.replace(CONFIG, epochs=2),
        network=network,
        data_dir=synthetic / "data",
        out_dir=synthetic / "models",
        log_dir=synthetic / "logs",
        name="mine",
        echo=False,
    )
    assert result.network.describe() == network.describe() and result.best.test_accuracy > 0.5


def test_shift_augmentation_moves_each_image_by_its_own_seeded_offset() -> None:
    from verified_nn.training._augment import shift_images

    images = np.zeros((50, 784))
    images[:, 14 * 28 + 14] = 1.0  # one lit pixel in the middle of every image
    moved = shift_images(images, 2, np.random.default_rng(0)).reshape(50, 28, 28)
    positions = np.argwhere(moved)[:, 1:]
    assert len(positions) == 50 and (np.abs(positions - 14) <= 2).all()
    assert len({tuple(p) for p in positions}) > 10  # offsets differ between images
    again = shift_images(images, 2, np.random.default_rng(0))
    np.testing.assert_array_equal(moved.reshape(50, 784), again)
    assert shift_images(images, 0, np.random.default_rng(0)) is images


def test_a_shifted_run_is_seeded_like_the_rest(synthetic: Path) -> None:
    # (The synthetic classes are bands of rows, so shifting blurs them: this checks repetition, not accuracy.)
    config = dataclasses.replace(CONFIG, shift=1, epochs=2)
    first, second = _train(synthetic, config, name="s1"), _train(synthetic, config, name="s2")
    plain = _train(synthetic, dataclasses.replace(config, shift=0), name="s0")
    assert [r.mean_loss for r in first.history] == [r.mean_loss for r in second.history]
    assert [r.mean_loss for r in first.history] != [r.mean_loss for r in plain.history]


def test_each_epoch_records_the_blas_threads_it_ran_on_fixed_or_chosen(synthetic: Path) -> None:
    fixed = _train(synthetic, dataclasses.replace(CONFIG, epochs=2, threads=2), name="fixed")
    assert [record.threads for record in fixed.history] == [2, 2]
    assert re.search(r"^epoch 2/2 \| \d+\.\d\d s \| threads 2 \| mean loss", fixed.log_path.read_text(), re.M)
    chosen = _train(synthetic, dataclasses.replace(CONFIG, epochs=2, threads="auto"), name="auto")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert all(record.threads in range(1, (cores or 1) + 1) for record in chosen.history)
    saved = load_model(chosen.last_path).metadata
    assert [record["threads"] for record in json.loads(saved["history"])] == [r.threads for r in chosen.history]
