"""Runs stay contained and never overwrite each other: safe names, refused reuse, locks, honest endings."""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import safetensors.numpy
from datafiles import fast_config, interrupt_in, write_synthetic
from devices import device_node

from verified_nn.core import InvalidArgumentError
from verified_nn.data import DATASETS
from verified_nn.training import (
    BatchEnd,
    Callback,
    ModelError,
    RunFiles,
    TrainConfig,
    TrainingError,
    TrainingInterrupted,
    check_run_name,
    default_run_name,
    load_model,
    train,
)
from verified_nn.training._runs import RunLock

CONFIG = fast_config(2)


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setitem(DATASETS, "mnist", write_synthetic(tmp_path / "data" / "synthetic"))
    return tmp_path


def _train(root: Path, config: TrainConfig = CONFIG, **options: object) -> object:
    return train(config, data_dir=root / "data", out_dir=root / "models", log_dir=root / "logs", echo=False, **options)  # type: ignore[arg-type]


def _files_outside(root: Path) -> set[Path]:
    return {path for path in root.parent.rglob("*") if root not in path.parents and path != root}


@pytest.mark.parametrize("name", ["../escape", "/tmp/abs", "a/b", "..", ".hidden", "tab\tname", "x" * 101, ""])
def test_unsafe_run_names_are_refused(name: str) -> None:
    with pytest.raises(InvalidArgumentError, match=r"run name .* must be 1 to 100 letters"):
        check_run_name(name)


def test_default_names_are_unique_even_within_one_second() -> None:
    names = {default_run_name() for _ in range(200)}
    assert len(names) == 200 and all(check_run_name(n) == n for n in names)


def test_a_hostile_checkpoint_run_name_writes_nothing_outside(root: Path) -> None:
    _train(root, name="good")
    checkpoint = root / "models" / "good-last.safetensors"
    tensors = safetensors.numpy.load_file(checkpoint)
    header = json.loads(checkpoint.read_bytes()[8 : 8 + int.from_bytes(checkpoint.read_bytes()[:8], "little")])
    metadata = {**header["__metadata__"], "run": "../../escaped"}
    hostile = root / "hostile.safetensors"
    hostile.write_bytes(safetensors.numpy.save(tensors, metadata=metadata))
    before = _files_outside(root)
    with pytest.raises(InvalidArgumentError, match=r"the checkpoint's run name .*'../../escaped' must be"):
        _train(root, TrainConfig(**{**json.loads(metadata["config"]), "epochs": 3}), resume=load_model(hostile))
    assert _files_outside(root) == before


def test_reusing_a_name_is_refused_unless_resuming_or_overwriting(root: Path) -> None:
    first = _train(root, name="run")
    best = (root / "models" / "run-best.safetensors").read_bytes()
    with pytest.raises(
        InvalidArgumentError,
        match=r"run run exists .*choose another --name, continue it with --resume .*run-last.safetensors, or replace it with --overwrite",
    ):
        _train(root, name="run")
    assert (root / "models" / "run-best.safetensors").read_bytes() == best  # nothing lost
    assert first is not None
    _train(root, name="run", overwrite=True)
    assert (root / "logs" / "run.log").read_text().count("run run | verified-nn") == 1  # a fresh log, not appended


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.glob("[ml]*/*")) if p.is_file()}


@pytest.mark.parametrize("stop", ["interrupt", "failure"])
def test_overwriting_keeps_the_old_run_until_the_new_one_has_saved_an_epoch(root: Path, stop: str) -> None:
    _train(root, name="old")
    before = _snapshot(root)

    class Fail(Callback):
        def on_batch_end(self, step: BatchEnd) -> None:
            raise TrainingError("planted: the first batch fails")

    expected = TrainingInterrupted if stop == "interrupt" else TrainingError
    with pytest.raises(expected):
        _train(root, name="old", overwrite=True, callbacks=[interrupt_in(1) if stop == "interrupt" else Fail()])
    assert _snapshot(root) == before  # every file of the old run, byte for byte, and nothing else
    assert not list(root.rglob("*.replaced"))


def test_a_replacing_run_that_saved_an_epoch_has_replaced_the_old_one(root: Path) -> None:
    _train(root, name="old")
    old_best = (root / "models" / "old-best.safetensors").read_bytes()
    with pytest.raises(TrainingInterrupted, match="epoch 1 is saved"):
        _train(root, name="old", overwrite=True, callbacks=[interrupt_in(2)])
    assert (root / "models" / "old-best.safetensors").read_bytes() != old_best
    assert load_model(root / "models" / "old-last.safetensors").metadata["epoch"] == "1"
    assert (root / "logs" / "old.log").read_text().count("run old | verified-nn") == 1
    assert not list(root.rglob("*.replaced"))


def test_a_run_that_saved_nothing_is_not_offered_for_resuming(root: Path) -> None:
    with pytest.raises(TrainingInterrupted, match="nothing was saved"):
        _train(root, name="cut", callbacks=[interrupt_in(1)])
    assert (root / "logs" / "cut.log").exists() and not (root / "models" / "cut-last.safetensors").exists()
    with pytest.raises(
        InvalidArgumentError, match=r"run cut exists .*cut.log\): choose another --name, or replace"
    ) as error:
        _train(root, name="cut")
    assert "--resume" not in str(error.value)


def test_a_second_run_with_a_name_in_use_is_refused(root: Path) -> None:
    with (
        RunLock(RunFiles.of("busy", root / "models", root / "logs")),
        pytest.raises(InvalidArgumentError, match=r"run busy is being trained by process \d+"),
    ):
        _train(root, name="busy")
    assert not (root / "models" / ".busy.lock").exists()


def test_a_lock_left_by_a_dead_process_is_taken_over(root: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    (root / "models").mkdir()
    (root / "models" / ".stale.lock").write_text(dead.stdout)
    _train(root, name="stale")
    assert (root / "models" / "stale-best.safetensors").exists()


def test_an_unwritable_output_directory_fails_before_training(root: Path) -> None:
    blocked = root / "blocked"
    blocked.write_text("a file, not a directory")
    with pytest.raises(InvalidArgumentError, match="cannot create the output directory"):
        train(CONFIG, data_dir=root / "data", out_dir=blocked / "models", log_dir=root / "logs", echo=False)


def test_an_interrupted_run_says_what_was_saved_and_how_to_continue(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(
        TrainingInterrupted,
        match=r"interrupted; epoch 1 is saved in .*cut-last.safetensors: continue with verified-nn train --resume .*cut-last.safetensors",
    ):
        _train(root, name="cut", callbacks=[interrupt_in(2)])
    assert not (root / "models" / ".cut.lock").exists()


def test_resuming_a_finished_run_asks_for_more_epochs(root: Path) -> None:
    _train(root, name="done")
    with pytest.raises(InvalidArgumentError, match="has completed 2 of 2 epochs; pass --epochs 3 or more"):
        _train(root, name="done", resume=load_model(root / "models" / "done-last.safetensors"))


@pytest.mark.parametrize(
    ("history", "message"),
    [
        ("not json", "history is not a list of epoch records"),
        (json.dumps([{"epoch": 1}]), "history is not a list of epoch records"),
        (None, "history is not a list of epoch records"),
    ],
)
def test_a_checkpoint_with_a_broken_history_is_refused(root: Path, history: str | None, message: str) -> None:
    _train(root, name="h")
    saved = load_model(root / "models" / "h-last.safetensors")
    metadata = dict(saved.metadata)
    if history is None:
        del metadata["history"]
    else:
        metadata["history"] = history
    broken = type(saved)(network=saved.network, metadata=metadata, optimizer=saved.optimizer, state=saved.state)
    with pytest.raises(ModelError, match=message):
        _train(root, TrainConfig(**{**json.loads(metadata["config"]), "epochs": 3}), name="h2", resume=broken)


def test_a_forged_history_that_does_not_add_up_is_refused(root: Path) -> None:
    _train(root, name="f")
    saved = load_model(root / "models" / "f-last.safetensors")
    records = json.loads(saved.metadata["history"])
    records[0]["test_accuracy"] = float("nan")
    forged = type(saved)(
        saved.network, {**saved.metadata, "history": json.dumps(records)}, saved.optimizer, saved.state
    )
    with pytest.raises(ModelError, match="history is inconsistent at record 1"):
        _train(root, TrainConfig(**{**json.loads(saved.metadata["config"]), "epochs": 3}), name="f2", resume=forged)


def test_weights_holding_nan_are_refused_when_loaded(root: Path) -> None:
    _train(root, name="n")
    path = root / "models" / "n-best.safetensors"
    tensors = safetensors.numpy.load_file(path)
    header = json.loads(path.read_bytes()[8 : 8 + int.from_bytes(path.read_bytes()[:8], "little")])
    tensors["0.weight"][0, :3] = [np.nan, np.inf, np.nan]
    path.write_bytes(safetensors.numpy.save(tensors, metadata=header["__metadata__"]))
    with pytest.raises(ModelError, match=r"0.weight holds 2 NaN and 1 infinite values: the model is unusable"):
        load_model(path)


def test_a_run_that_collapses_to_chance_fails_and_the_suggested_fix_works(root: Path) -> None:
    collapsed = TrainConfig(
        **{
            **json.loads(CONFIG.to_json()),
            "learning_rate": 5.0,
            "max_loss": 1e30,
            "max_grad_norm": 1e30,
            "lr_schedule": "constant",
        }
    )
    with pytest.raises(
        TrainingError,
        match=r"the run ended near chance: .* it learned nothing: train again with a smaller --lr \(the defaults, --lr 0.05 --momentum 0.9, train the default network\)",
    ):
        _train(root, collapsed, name="chance")
    fixed = TrainConfig(**{**json.loads(collapsed.to_json()), "learning_rate": 0.05, "momentum": 0.9})
    result = _train(root, fixed, name="fixed")
    assert result.best.validation_accuracy > 0.9  # type: ignore[attr-defined]


def test_a_run_too_short_to_learn_is_told_to_train_longer_not_to_lower_the_rate(root: Path) -> None:
    short = TrainConfig(  # one step an epoch, two in all, at a rate that moves little
        **{**json.loads(CONFIG.to_json()), "samples_per_epoch": 16, "learning_rate": 0.005}
    )
    with pytest.raises(
        TrainingError,
        match=r"near chance: .*; its training loss was still falling \([\d.]+ to [\d.]+ over 2 optimizer steps\): "
        r"train longer \(more --epochs, or leave --epochs out for the default sized to the data\)$",
    ):
        _train(root, short, name="short")
    longer = TrainConfig(**{**json.loads(short.to_json()), "epochs": 60})  # the advice taken: the same rate
    assert _train(root, longer, name="longer").best.validation_accuracy > 0.9  # type: ignore[attr-defined]


def test_resume_is_bit_identical_whatever_the_blas_threads_in_the_environment(root: Path) -> None:
    program = (
        "import sys, numpy as np; from datafiles import write_synthetic; from pathlib import Path;"
        "from verified_nn.data import DATASETS; from verified_nn.training import TrainConfig, train;"
        "root = Path(sys.argv[1]); DATASETS['mnist'] = write_synthetic(root / 'data' / 'synthetic');"
        "r = train(TrainConfig(epochs=2, batch_size=16, train_eval_size=400, validation_size=100, hidden=(64,),"
        " threads=1),"
        " data_dir=root / 'data', out_dir=root / sys.argv[2], log_dir=root / 'logs', name=sys.argv[2], echo=False);"
        "np.save(root / (sys.argv[2] + '.npy'), np.concatenate([p.ravel() for p in r.network.parameters()]))"
    )
    tests = Path(__file__).parent
    for threads in ("1", "2"):
        env = {**os.environ, "OPENBLAS_NUM_THREADS": threads, "OMP_NUM_THREADS": threads, "PYTHONPATH": str(tests)}
        subprocess.run([sys.executable, "-c", program, str(root), f"t{threads}"], env=env, check=True)
    np.testing.assert_array_equal(np.load(root / "t1.npy"), np.load(root / "t2.npy"))


def test_the_issues_hot_clipped_run_ends_with_an_error_whose_suggestion_works(root: Path) -> None:
    hot = TrainConfig(**{**json.loads(CONFIG.to_json()), "learning_rate": 5.0, "clip_norm": 5.0})
    with pytest.raises(TrainingError, match=r"--lr 0\.5|--lr 0\.05") as caught:
        _train(root, hot, name="hot")
    suggested = 0.5 if "--lr 0.5" in str(caught.value) and "near chance" not in str(caught.value) else 0.05
    result = _train(root, TrainConfig(**{**json.loads(hot.to_json()), "learning_rate": suggested}), name="cool")
    assert result.best.validation_accuracy > 0.9  # type: ignore[attr-defined]


def test_a_folder_given_as_a_model_names_the_newest_best_model_in_it(tmp_path: Path) -> None:
    folder = tmp_path / "m.safetensors"  # train --out m.safetensors makes a folder of checkpoints
    folder.mkdir()
    with pytest.raises(ModelError, match=f"^{re.escape(str(folder))}: is a directory, not a model file$"):
        load_model(folder)
    for name, age in (("old-best", 100), ("new-best", 10), ("new-last", 0)):
        (folder / f"{name}.safetensors").write_bytes(b"")
        os.utime(folder / f"{name}.safetensors", (time.time() - age, time.time() - age))
    expected = f"give a model file in it, such as {folder / 'new-best.safetensors'}, the newest of its best models"
    with pytest.raises(ModelError, match=f"^{re.escape(str(folder))}: is a directory .*{re.escape(expected)}$"):
        load_model(folder)


def test_a_model_file_that_is_a_fifo_or_a_device_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "model.safetensors"
    os.mkfifo(fifo)
    with pytest.raises(ModelError, match=r"is a FIFO"):
        load_model(fifo)
    device = device_node(tmp_path / "device.safetensors")
    if device is not None:
        with pytest.raises(ModelError, match=r"device.safetensors: .*character device"):
            load_model(device)


def test_a_checkpoint_half_written_by_a_dead_process_is_cleaned_up(root: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    (root / "models").mkdir()
    leftover = root / "models" / f".r-last.safetensors.part-{dead.stdout.strip()}"
    leftover.write_bytes(b"half a checkpoint")
    _train(root, name="r")
    assert not leftover.exists()


KILLABLE = """
import sys
from pathlib import Path
from datafiles import write_synthetic
from verified_nn.data import DATASETS
root = Path(sys.argv[1])
DATASETS["mnist"] = write_synthetic(root / "data" / "synthetic")
import verified_nn.training._checkpoints as checkpoints
checkpoints.SAVE_INTERVAL = 0.0  # a checkpoint every epoch, so that the kill lands mid-run, not after the last
from verified_nn.cli import main
sys.exit(main(["train", "--epochs", "200", "--batch-size", "8", "--log-every", "1000", "--train-eval-size", "50",
               "--validation-size", "100", "--hidden", "32", "--data-dir", str(root / "data"),
               "--out", str(root / "models"), "--log-dir", str(root / "logs"), *sys.argv[2:]]))
"""


def _killable(root: Path, *options: str) -> subprocess.Popen[bytes]:
    """The command line training in a child process; its standard error goes to ``root/stderr``."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}
    with open(root / "stderr", "wb") as stderr:
        return subprocess.Popen(
            [sys.executable, "-c", KILLABLE, str(root), *options], env=env, stdout=subprocess.DEVNULL, stderr=stderr
        )


def _wait_for_epoch(root: Path, name: str, epoch: int) -> None:
    path = root / "models" / f"{name}-last.safetensors"
    for _ in range(600):
        if path.exists() and int(load_model(path).metadata["epoch"]) >= epoch:
            return
        time.sleep(0.05)
    raise AssertionError(f"epoch {epoch} never saved")


@pytest.mark.slow
@pytest.mark.parametrize("signal_number", [9, 15], ids=["SIGKILL", "SIGTERM"])
def test_a_run_killed_mid_training_resumes_to_the_unbroken_result(tmp_path: Path, signal_number: int) -> None:
    unbroken = _killable(tmp_path, "--name", "whole")
    assert unbroken.wait(timeout=300) == 0, (tmp_path / "stderr").read_text()
    victim = _killable(tmp_path, "--name", "cut")
    _wait_for_epoch(tmp_path, "cut", 3)
    victim.send_signal(signal_number)
    status = victim.wait(timeout=60)
    stderr = (tmp_path / "stderr").read_text()
    if signal_number == 15:  # SIGTERM goes through the same path as Ctrl-C: it says what was saved
        assert status == 130 and "interrupted; epoch" in stderr and "--resume" in stderr, stderr
    else:
        assert status == -9
    assert int(load_model(tmp_path / "models" / "cut-last.safetensors").metadata["epoch"]) < 200
    resumed = _killable(tmp_path, "--resume", str(tmp_path / "models" / "cut-last.safetensors"))
    assert resumed.wait(timeout=300) == 0, (tmp_path / "stderr").read_text()
    whole = load_model(tmp_path / "models" / "whole-last.safetensors").network
    cut = load_model(tmp_path / "models" / "cut-last.safetensors").network
    for mine, theirs in zip(cut.parameters(), whole.parameters(), strict=True):
        np.testing.assert_array_equal(mine, theirs)
    assert not list((tmp_path / "models").glob(".*.part-*")) and not list((tmp_path / "models").glob(".*.lock"))
