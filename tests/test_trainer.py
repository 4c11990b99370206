"""The trainer on a small synthetic dataset: it learns, is deterministic, resumes, guards, and logs."""

import csv
import dataclasses
import json
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from datafiles import fast_config, interrupt_in, write_synthetic

from verified_nn.core import InvalidArgumentError
from verified_nn.data import DATASETS, Dataset, split
from verified_nn.layers import Dense, Flatten, Reshape, Tanh
from verified_nn.network import Network, mlp
from verified_nn.training import (
    EpochRecord,
    SavedModel,
    TrainConfig,
    TrainingError,
    TrainResult,
    best_record,
    load_model,
    train,
)
from verified_nn.training._callbacks import Guard


@pytest.fixture
def synthetic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setitem(DATASETS, "mnist", write_synthetic(tmp_path / "data" / "synthetic"))
    return tmp_path


CONFIG = fast_config(4)


def _train(
    root: Path,
    config: TrainConfig = CONFIG,
    name: str = "run",
    resume: SavedModel | None = None,
    callbacks: tuple[object, ...] = (),
) -> TrainResult:
    return train(
        config,
        data_dir=root / "data",
        out_dir=root / "models",
        log_dir=root / "logs",
        name=name,
        echo=False,
        resume=resume,
        callbacks=callbacks,  # type: ignore[arg-type]
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
    with pytest.raises(KeyboardInterrupt):
        _train(synthetic, name="part", callbacks=(interrupt_in(3),))  # stopped by force during its third epoch
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
    guard = Guard(max_loss=100.0, max_grad_norm=1e3, clipping=False, kept=lambda: "no model was saved")
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
    with pytest.raises(KeyboardInterrupt):
        _train(synthetic, config, name="part", callbacks=(interrupt_in(3),))
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


# Any dataset, any network: the data decides the sizes.

TABLE_RNG = np.random.default_rng(7)
CENTRES = TABLE_RNG.normal(0, 2.5, size=(3, 20))
TABLE_LABELS = TABLE_RNG.integers(0, 3, size=600)
TABLE = Dataset(CENTRES[TABLE_LABELS] + TABLE_RNG.normal(size=(600, 20)), TABLE_LABELS, name="table")
QUICK = TrainConfig(epochs=3, batch_size=32, log_every=1000, train_eval_size=200, threads=1)


def _fit(root: Path, config: TrainConfig, data: Dataset, name: str, **options: object) -> TrainResult:
    return train(
        config,
        data,
        out_dir=root / "models",
        log_dir=root / "logs",
        name=name,
        echo=False,
        **options,  # type: ignore[arg-type]
    )


def test_a_table_of_20_features_and_3_classes_trains_a_20_128_3_network(tmp_path: Path) -> None:
    result = _fit(tmp_path, QUICK, TABLE, "t")
    assert result.network.describe().startswith("20 -> Dense(20 -> 128") and result.network.classes == 3
    assert len(result.final.confusion) == 3 and result.best.test_accuracy > 0.9
    saved = load_model(result.best_path)
    assert saved.metadata["dataset"] == "table" and json.loads(saved.metadata["classes"]) == ["0", "1", "2"]
    assert json.loads(saved.metadata["data_shape"]) == [20] and saved.metadata["test_size"] == "150"
    held = TrainConfig.from_json(saved.metadata["config"])
    assert held.dataset == "table" and held.epochs == 3 and held.validation_size == 0  # resolved for this data
    log = result.log_path.read_text()
    assert "data table: 450 examples of shape (20,), 3 classes | train 450, test 150" in log


def test_the_test_set_is_a_stratified_quarter_or_the_one_given(tmp_path: Path) -> None:
    result = _fit(tmp_path, QUICK, TABLE, "q")
    train_part, test_part = split(TABLE, 0.25, seed=0)
    saved = load_model(result.best_path).metadata
    assert saved["test_sha256"] == test_part.sha256 and saved["train_sha256"] == train_part.sha256
    given = _fit(tmp_path, QUICK, train_part, "g", test_data=test_part)
    assert load_model(given.best_path).metadata["test_sha256"] == test_part.sha256
    other = Dataset(np.zeros((4, 5)), [0, 1, 2, 0], name="other")
    with pytest.raises(
        InvalidArgumentError,
        match=r"^the test set's examples have shape \(5,\), the training set's \(20,\) \(other: 4 examples",
    ):
        _fit(tmp_path, QUICK, TABLE, "x", test_data=other)
    fewer = Dataset(np.zeros((4, 20)), [0, 1, 1, 0], name="fewer")
    with pytest.raises(
        InvalidArgumentError, match=r"^the test set's classes \(0, 1\) differ from the training set's \(0, 1, 2\)"
    ):
        _fit(tmp_path, QUICK, TABLE, "x", test_data=fewer)


def test_data_of_one_class_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    single = Dataset(np.arange(40.0).reshape(20, 2), ["spam"] * 20, name="single")
    with pytest.raises(
        InvalidArgumentError,
        match=r"^the training data \(single: 15 examples of shape \(2,\), 1 class\) has one class, 'spam': a "
        r"classifier needs examples of at least 2$",
    ):
        _fit(tmp_path, QUICK, single, "one")
    assert not (tmp_path / "models").exists() and not (tmp_path / "logs").exists()
    table = tmp_path / "single.csv"  # from a table, the label column may be the wrong one
    table.write_text("a,b,kind\n" + "".join(f"{row},{row + 1},spam\n" for row in range(20)))
    with pytest.raises(InvalidArgumentError, match=r"at least 2 \(is the label column the right one\?\)$"):
        _fit(tmp_path, QUICK, Dataset.from_csv(table, label_column="kind"), "one")


def test_a_network_too_large_for_the_data_is_refused_before_it_is_built(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgumentError, match=r"^hidden 10000000: the network has 240,000,003 parameters, over"):
        _fit(tmp_path, dataclasses.replace(QUICK, hidden=(10**7,)), TABLE, "big")  # 20 features, 3 classes
    with pytest.raises(InvalidArgumentError, match=r"^batch_size 10,000,000: a batch of 10,000,000 samples makes"):
        _fit(tmp_path, dataclasses.replace(QUICK, batch_size=10**7), TABLE, "batch")
    assert not (tmp_path / "models").exists() and not (tmp_path / "logs").exists()


def test_a_network_that_does_not_fit_the_data_is_refused_naming_both(tmp_path: Path) -> None:
    wrong = mlp((784, 8, 10), rng=np.random.default_rng(0))
    with pytest.raises(
        InvalidArgumentError,
        match=r"^the network takes inputs of shape \(784,\) to 10 classes; table has examples of shape \(20,\) "
        r"\(20 values\) and 3 classes$",
    ):
        _fit(tmp_path, QUICK, TABLE, "w", network=wrong)
    assert not (tmp_path / "models").exists() and not (tmp_path / "logs").exists()


def test_a_given_networks_checkpoint_describes_that_network(tmp_path: Path) -> None:
    network = mlp((20, 16, 8, 3), rng=np.random.default_rng(1), activation="tanh", dropout=0.1)
    saved = load_model(_fit(tmp_path, QUICK, TABLE, "n", network=network).last_path)
    config = json.loads(saved.metadata["config"])
    assert (config["hidden"], config["activation"], config["dropout"]) == ([16, 8], "tanh", 0.1)
    assert saved.network.describe() == network.describe()
    odd: Network[Any, Any] = Network(
        (Dense.init(3, 20, rng=np.random.default_rng(2)), Tanh(), Dense.init(3, 3, rng=np.random.default_rng(3)))
    )
    odd_saved = load_model(_fit(tmp_path, QUICK, TABLE, "o", network=odd).last_path)
    recorded = json.loads(odd_saved.metadata["config"])
    assert "hidden" in recorded and recorded["hidden"] == [3]  # an MLP of the builder's form is described
    cnn_like: Network[Any, Any] = Network((Reshape((4, 5)), Flatten(), Dense.init(3, 20, rng=np.random.default_rng(4))))
    custom = json.loads(load_model(_fit(tmp_path, QUICK, TABLE, "c", network=cnn_like).last_path).metadata["config"])
    assert not {"hidden", "activation", "dropout", "conv", "kernel"} & set(custom)  # no false description


def test_images_of_any_shape_train_an_mlp_on_their_flattened_values(tmp_path: Path) -> None:
    images = np.zeros((200, 6, 6), dtype=np.uint8)
    labels = np.arange(200) % 2
    images[labels == 1, :3] = 255  # class 1 lights the top half
    result = _fit(tmp_path, dataclasses.replace(QUICK, hidden=(8,)), Dataset(images, labels, name="halves"), "i")
    assert result.network.input_shape() == (36,) and result.best.test_accuracy == 1.0
    conv = dataclasses.replace(QUICK, conv=(2,), kernel=3, hidden=(4,))
    cnn_result = _fit(tmp_path, conv, Dataset(images, labels, name="halves"), "cnn")
    assert cnn_result.network.describe().startswith("36 -> Reshape(36 -> 1x6x6) -> Conv2D(1 -> 2, 3x3")
    with pytest.raises(InvalidArgumentError, match=r"conv: convolutions need images; the examples have shape \(20,\)"):
        _fit(tmp_path, conv, TABLE, "bad")


def test_early_stopping_stops_after_patience_epochs_without_a_better_validation_score(tmp_path: Path) -> None:
    config = dataclasses.replace(QUICK, epochs=40, patience=2, validation_size=100)
    result = _fit(tmp_path, config, TABLE, "p")
    assert result.stopped is not None and result.stopped.startswith("early stop: no better validation score in 2")
    scores = [record.validation_accuracy for record in result.history]
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))  # the first epoch reaching the top score
    assert len(result.history) == best + 1 + 2 < 40
    assert result.log_path.read_text().splitlines()[-2] == result.stopped
    with pytest.raises(InvalidArgumentError, match="patience: early stopping needs a validation split"):
        _fit(tmp_path, dataclasses.replace(config, validation_size=0), TABLE, "p0")


def test_the_history_is_written_as_csv_and_json_beside_the_log(tmp_path: Path) -> None:
    result = _fit(tmp_path, QUICK, TABLE, "h")
    assert result.files is not None
    rows = list(csv.DictReader(result.files.history_csv.read_text().splitlines()))
    assert [int(row["epoch"]) for row in rows] == [1, 2, 3] and rows[0]["validation_accuracy"] == ""
    assert float(rows[-1]["test_accuracy"]) == result.history[-1].test_accuracy
    records = json.loads(result.files.history_json.read_text())
    assert [EpochRecord(**record) for record in records] == list(result.history)


def test_a_run_is_reproducible_from_its_seed_on_any_dataset(tmp_path: Path) -> None:
    config = dataclasses.replace(QUICK, dropout=0.2, shift=0, validation_size=60)
    first, again = (_fit(tmp_path, config, TABLE, name) for name in ("s1", "s2"))
    other = _fit(tmp_path, dataclasses.replace(config, seed=1), TABLE, "s3")
    assert [r.mean_loss for r in first.history] == [r.mean_loss for r in again.history]
    assert [r.mean_loss for r in first.history] != [r.mean_loss for r in other.history]


def test_resuming_on_other_data_is_refused(tmp_path: Path) -> None:
    _fit(tmp_path, QUICK, TABLE, "r")
    checkpoint = load_model(tmp_path / "models" / "r-last.safetensors")
    shifted = Dataset(np.asarray(TABLE.inputs) + 1, TABLE.labels, name="table")
    with pytest.raises(InvalidArgumentError, match=r"the checkpoint was trained on other data \(table, SHA-256 "):
        _fit(tmp_path, dataclasses.replace(QUICK, epochs=4), shifted, "r", resume=checkpoint)
    resumed = _fit(tmp_path, dataclasses.replace(QUICK, epochs=4), TABLE, "r", resume=checkpoint)
    assert len(resumed.history) == 4


def test_resuming_without_the_test_set_given_before_says_so(tmp_path: Path) -> None:
    train_part, test_part = split(TABLE, 0.25, seed=0)
    _fit(tmp_path, QUICK, train_part, "t", test_data=test_part)
    checkpoint = load_model(tmp_path / "models" / "t-last.safetensors")
    more = dataclasses.replace(QUICK, epochs=4)
    with pytest.raises(
        InvalidArgumentError,
        match=r"^the checkpoint was trained on all of table and tested on a separate test set: give that set again "
        r"with --test-data",
    ):
        _fit(tmp_path, more, train_part, "t", resume=checkpoint)
    assert len(_fit(tmp_path, more, train_part, "t", resume=checkpoint, test_data=test_part).history) == 4


def test_a_name_that_is_no_built_in_dataset_needs_its_data() -> None:
    with pytest.raises(InvalidArgumentError, match=r"dataset 'digits' is not built in \(mnist, fashion-mnist\): give"):
        train(TrainConfig(dataset="digits"), echo=False)


def test_a_warm_up_rises_step_by_step_and_is_recorded(tmp_path: Path) -> None:
    config = dataclasses.replace(QUICK, warmup=2.0, log_every=5)
    log = _fit(tmp_path, config, TABLE, "w").log_path.read_text()
    rates = [float(line.rsplit("| lr ", 1)[1]) for line in log.splitlines() if "| batch " in line]
    assert rates[:4] == sorted(rates[:4]) and rates[0] < rates[3] < 0.05


def test_each_epoch_records_the_blas_threads_it_ran_on_fixed_or_chosen(synthetic: Path) -> None:
    fixed = _train(synthetic, dataclasses.replace(CONFIG, epochs=2, threads=2), name="fixed")
    assert [record.threads for record in fixed.history] == [2, 2]
    assert [record.thread_reason for record in fixed.history] == ["fixed", "fixed"]
    assert re.search(r"^epoch 2/2 \| \d+\.\d\d s \| threads 2 \| mean loss", fixed.log_path.read_text(), re.M)
    chosen = _train(synthetic, dataclasses.replace(CONFIG, epochs=2, threads="auto"), name="auto")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert all(record.threads in range(1, (cores or 1) + 1) for record in chosen.history)
    reasons = [record.thread_reason or "" for record in chosen.history]
    assert all(reason.startswith("auto: ") for reason in reasons)
    saved = load_model(chosen.last_path).metadata
    kept = [(record["threads"], record["thread_reason"]) for record in json.loads(saved["history"])]
    assert kept == [(r.threads, r.thread_reason) for r in chosen.history]
