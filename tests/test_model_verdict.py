"""One loader, one verdict: what load_model refuses, no command writes; dtype, optimizer state and history are
checked against the tensors; a forged history is refused when resumed; locks accept only live processes of ours."""

import dataclasses
import json
import os
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import safetensors.numpy
from datafiles import write_synthetic
from faults import dead_pid

from verified_nn.cli import main
from verified_nn.core import InvalidArgumentError
from verified_nn.data import DATASETS
from verified_nn.files import start_time
from verified_nn.interop import from_torch_state_dict, mlp_layers, save_torch, torch_state_dict
from verified_nn.network import default_network
from verified_nn.optimizer import Adam
from verified_nn.training import EpochRecord, ModelError, RunFiles, TrainConfig, load_model, save_model, train
from verified_nn.training._checks import OPTIONAL, REQUIRED
from verified_nn.training._runs import RunLock

CONFIG = TrainConfig(epochs=2, batch_size=16, log_every=10, train_eval_size=400, validation_size=100)


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setitem(DATASETS, "mnist", write_synthetic(tmp_path / "data" / "synthetic"))
    return tmp_path


def _train(root: Path, name: str, config: TrainConfig = CONFIG, **options: Any) -> Any:
    return train(config, data_dir=root / "data", out_dir=root / "models", log_dir=root / "logs", name=name, echo=False, **options)


def _header(path: Path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    content = path.read_bytes()
    header = json.loads(content[8 : 8 + struct.unpack("<Q", content[:8])[0]])
    return safetensors.numpy.load(content), header["__metadata__"]


def _rewrite(path: Path, tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> Path:
    path.write_bytes(safetensors.numpy.save(tensors, metadata=metadata))
    return path


@pytest.fixture
def adam_file(tmp_path: Path) -> Path:
    network = default_network(np.random.default_rng(0))
    optimizer = Adam()
    state = optimizer.init(network)
    save_model(tmp_path / "adam.safetensors", network, {"epoch": 1}, optimizer=optimizer, state=state)
    return tmp_path / "adam.safetensors"


def test_values_no_training_produces_are_refused_as_a_corrupt_file(adam_file: Path, tmp_path: Path) -> None:
    tensors, metadata = _header(adam_file)
    cases = {
        "huge weight": ({**tensors, "0.weight": np.full_like(tensors["0.weight"], 3e30)}, metadata, r"0.weight holds a value of 3e\+30 in magnitude, over the limit of 1,000,000 \(set VERIFIED_NN_MAX_MAGNITUDE to raise it\): no training produces it: the file is corrupt"),
        "negative second moment": ({**tensors, "optimizer.second.0.bias": -np.ones_like(tensors["0.bias"])}, metadata, r"optimizer.second.0.bias holds negative values \(-1\): Adam's second moment is a mean of squares"),
        "declared dtype": (tensors, {**metadata, "dtype": "float64"}, r"the metadata declares dtype 'float64', the tensors are float32"),
        "step": (tensors, {**metadata, "optimizer_state": json.dumps({"type": "AdamState", "step": 10**400})}, r"optimizer_state step .* is not a count of updates any run reached"),
    }
    for name, (changed, header, message) in cases.items():
        path = _rewrite(tmp_path / f"{name}.safetensors", changed, header)
        with pytest.raises(ModelError, match=rf"^{path}: {message}") as caught:
            load_model(path)
        assert "\n" not in str(caught.value), name


def test_the_magnitude_ceiling_is_raised_by_its_variable(adam_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tensors, metadata = _header(adam_file)
    path = _rewrite(tmp_path / "big.safetensors", {**tensors, "0.bias": np.full_like(tensors["0.bias"], 5e6)}, metadata)
    with pytest.raises(ModelError, match="over the limit of 1,000,000"):
        load_model(path)
    monkeypatch.setenv("VERIFIED_NN_MAX_MAGNITUDE", "10000000")
    assert load_model(path).network.dtype == np.float32


def test_import_torch_refuses_what_load_model_would_refuse_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    network = default_network(np.random.default_rng(0))
    state = torch_state_dict(network)
    state["0.weight"][3, 4] = np.nan
    with pytest.raises(ModelError, match=r"^0.weight holds 1 NaN and 0 infinite values: the model is unusable$"):
        from_torch_state_dict(state, mlp_layers([128], inputs=784, classes=10))
    safetensors.numpy.save_file(state, tmp_path / "sd.safetensors")
    assert main(["import-torch", str(tmp_path / "sd.safetensors"), "--hidden", "128", "--out", str(tmp_path / "m")]) == 2
    assert capsys.readouterr().err.strip() == (
        f"verified-nn: error: {tmp_path / 'sd.safetensors'}: 0.weight holds 1 NaN and 0 infinite values: the model is unusable"
    )
    assert not (tmp_path / "m").exists()


def test_export_refuses_a_conversion_that_would_write_what_load_model_refuses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VERIFIED_NN_MAX_MAGNITUDE", str(10**40))  # a float64 model whose values float32 cannot hold
    network = default_network(np.random.default_rng(0), dtype=np.float64)
    network = network.with_parameters([block * 0 + 1e39 if i == 1 else block for i, block in enumerate(network.parameters())])
    save_model(tmp_path / "m64", network, {})
    for option in ("--torch", "--onnx"):
        if option == "--onnx":
            pytest.importorskip("onnx")
        assert main(["export", str(tmp_path / "m64"), "--dtype", "float32", option, str(tmp_path / "out")]) == 2
        assert "0.bias holds 0 NaN and 128 infinite values: the model is unusable" in capsys.readouterr().err
        assert not (tmp_path / "out").exists()
    with pytest.raises(ModelError, match="infinite values"):
        save_torch(tmp_path / "out", network, dtype=np.float32)


def test_a_history_out_of_range_is_refused_when_the_file_is_loaded(root: Path) -> None:
    _train(root, "h")
    path = root / "models" / "h-last.safetensors"
    tensors, metadata = _header(path)
    records = json.loads(metadata["history"])
    for key, value, shown in (("test_accuracy", 1.5, "1.5"), ("mean_loss", -1, "-1"), ("learning_rate", 0, "0"), ("train_seconds", "1", "'1'")):
        forged = [dict(record) for record in records]
        forged[1][key] = value
        bad = _rewrite(root / "bad.safetensors", tensors, {**metadata, "history": json.dumps(forged)})
        with pytest.raises(ModelError, match=rf"history is inconsistent at record 2: {key} {shown}$"):
            load_model(bad)
    bad = _rewrite(root / "bad.safetensors", tensors, {**metadata, "epoch": "7"})
    with pytest.raises(ModelError, match="the checkpoint says epoch 7 but records 2"):
        load_model(bad)


def _refused_on_resume(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], path: Path, message: str
) -> None:
    """``train --resume path`` in ``root`` is one line naming the file, then ``message``, and writes no model."""
    monkeypatch.chdir(root)
    monkeypatch.setenv("VERIFIED_NN_DATA_DIR", str(root / "data"))
    assert main(["train", "--resume", str(path), "--epochs", "3", "--name", "v"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"verified-nn: error: {path}: {message}")
    assert not (root / "models" / "v-best.safetensors").exists()


def test_a_forged_history_is_refused_when_resumed_naming_the_file(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _train(root, "f")
    path = root / "models" / "f-last.safetensors"
    tensors, metadata = _header(path)
    records = json.loads(metadata["history"])
    for record in records:  # plausible in form: every figure a perfect score
        record.update(test_accuracy=1.0, validation_accuracy=1.0, train_accuracy=1.0, test_loss=0.0, validation_loss=0.0)
    forged = _rewrite(root / "forged.safetensors", tensors, {**metadata, "history": json.dumps(records)})
    load_model(forged)  # its form is fine: only the parameters can tell
    _refused_on_resume(root, monkeypatch, capsys, forged, "the checkpoint's history does not describe its parameters: epoch 2 records")
    genuine = _train(root, "f", TrainConfig(**{**json.loads(metadata["config"]), "epochs": 3}), resume=load_model(path))
    assert len(genuine.history) == 3  # the untouched checkpoint resumes


@pytest.mark.parametrize(("field", "value"), [("hidden", [10**9]), ("hidden", [16, 16]), ("conv", [8])])
def test_a_configuration_giving_other_widths_than_the_tensors_is_refused_when_resumed(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], field: str, value: list[int]
) -> None:
    _train(root, "w")
    path = root / "models" / "w-last.safetensors"
    tensors, metadata = _header(path)
    config = {**json.loads(metadata["config"]), field: value}
    altered = _rewrite(root / "altered.safetensors", tensors, {**metadata, "config": json.dumps(config)})
    message = f"the checkpoint's configuration records {field} {json.dumps(value)}, but its tensors are 784 -> Dense(784 -> 128"
    _refused_on_resume(root, monkeypatch, capsys, altered, message)
    assert main(["train", "--resume", str(path), "--epochs", "3", "--name", "v"]) == 0  # the file as written


def _lock(root: Path, name: str, content: str | None = None) -> Path:
    (root / "models").mkdir(exist_ok=True)
    path = root / "models" / f".{name}.lock"
    if content is not None:
        path.write_text(content)
    return path


@pytest.mark.parametrize(
    "content",
    # "{pid}" is this process's id, filled in when the test runs (the id must not differ between collections).
    ["0\n", "-5", "99999999999999999999999999", "4194305", "lots", "", "\x00\x01", "{pid} 1\n", "1 2 3"],
)
def test_a_lock_holding_no_live_process_of_ours_is_taken_over(root: Path, content: str) -> None:
    _lock(root, "l", content.replace("{pid}", str(os.getpid())))
    assert _train(root, "l").history  # trained: the lock did not block, nor raise
    assert not (root / "models" / ".l.lock").exists()


def test_locks_of_dead_and_foreign_processes_are_stale_and_live_runs_block(root: Path) -> None:
    sleeper = subprocess.Popen(["sleep", "30"])  # alive, but not Python: not one of ours
    try:
        _lock(root, "a", f"{sleeper.pid}\n")
        assert _train(root, "a").history
    finally:
        sleeper.kill()
        sleeper.wait()
    _lock(root, "b", f"{dead_pid()}\n")
    assert _train(root, "b").history
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        started = start_time(child.pid)
        assert started is not None
        for content in (f"{child.pid} {started}\n", f"{child.pid}\n"):  # a live run of ours
            _lock(root, "c", content)
            with pytest.raises(InvalidArgumentError, match=rf"run c is being trained by process {child.pid}"):
                _train(root, "c")
        _lock(root, "c", f"{child.pid} {started + 1}\n")  # an id that now names another process
        assert _train(root, "c").history
    finally:
        child.kill()
        child.wait()


def test_something_other_than_a_file_in_the_locks_place_is_one_line(root: Path) -> None:
    (root / "victim").write_text(f"{os.getpid()}\n")
    cases = {"link": "a symbolic link", "dir": "a directory, not a file", "fifo": r"a FIFO \(named pipe\), not a file"}
    for name, kind in cases.items():
        path = _lock(root, name)
        if name == "link":
            path.symlink_to(root / "victim")
        elif name == "dir":
            path.mkdir()
        else:
            os.mkfifo(path)
        with pytest.raises(InvalidArgumentError, match=rf"^{path}: the run's lock is {kind}; remove it to train this run$"):
            _train(root, name)
    assert (root / "victim").read_text() == f"{os.getpid()}\n"


def test_a_lock_records_the_process_and_its_start(root: Path) -> None:
    with RunLock(RunFiles.of("rec", root / "models", root / "logs")):
        pid, started = (root / "models" / ".rec.lock").read_text().split()
    assert int(pid) == os.getpid() and int(started) == start_time(os.getpid())


def test_a_history_record_missing_or_adding_a_figure_is_refused(root: Path) -> None:
    _train(root, "k")
    tensors, metadata = _header(root / "models" / "k-last.safetensors")
    records = json.loads(metadata["history"])
    missing = [dict(record) for record in records]
    del missing[0]["test_accuracy"]
    unknown = [dict(record) for record in records]
    unknown[1]["test_accuracy_forged"] = 1.0
    for forged, message in ((missing, "record 1: missing test_accuracy"), (unknown, "record 2: unknown test_accuracy_forged")):
        bad = _rewrite(root / "bad.safetensors", tensors, {**metadata, "history": json.dumps(forged)})
        with pytest.raises(ModelError, match=rf"^{bad}: the checkpoint's history is inconsistent at {message}$"):
            load_model(bad)
    load_model(root / "models" / "k-last.safetensors")  # the untouched records pass
    threads = [dict(record) for record in records]
    threads[0]["threads"] = 0
    bad = _rewrite(root / "bad.safetensors", tensors, {**metadata, "history": json.dumps(threads)})
    with pytest.raises(ModelError, match=r"inconsistent at record 1: threads 0$"):
        load_model(bad)
    for reason in (3, "x" * 501):  # why the threads were chosen: one phrase
        reasons = [dict(record) for record in records]
        reasons[1]["thread_reason"] = reason
        bad = _rewrite(root / "bad.safetensors", tensors, {**metadata, "history": json.dumps(reasons)})
        with pytest.raises(ModelError, match=r"inconsistent at record 2: thread_reason$"):
            load_model(bad)


def test_the_loader_knows_every_field_of_an_epoch_record() -> None:
    """The loader's list of record fields follows the trainer's EpochRecord: one added there is not refused."""
    fields = dataclasses.fields(EpochRecord)
    assert {field.name for field in fields} == REQUIRED | OPTIONAL
    assert {field.name for field in fields if field.default is dataclasses.MISSING} == REQUIRED


def test_an_optimizer_state_with_keys_its_optimizer_has_not_is_refused(adam_file: Path, tmp_path: Path) -> None:
    tensors, metadata = _header(adam_file)
    state = {**json.loads(metadata["optimizer_state"]), "momentum_forged": 3}
    bad = _rewrite(tmp_path / "bad.safetensors", tensors, {**metadata, "optimizer_state": json.dumps(state)})
    with pytest.raises(ModelError, match=rf"^{bad}: optimizer_state holds keys a adam state has not: momentum_forged$"):
        load_model(bad)
    load_model(adam_file)


def test_a_checkpoint_asking_for_more_than_a_ceiling_is_named_on_resume(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The ceiling is the checkpoint's doing, not an option's: the error names the file (and the option fixes it)."""
    _train(root, "c")
    tensors, metadata = _header(root / "models" / "c-last.safetensors")
    config = {**json.loads(metadata["config"]), "epochs": 10**9}
    forged = _rewrite(root / "huge.safetensors", tensors, {**metadata, "config": json.dumps(config)})
    monkeypatch.chdir(root)
    monkeypatch.setenv("VERIFIED_NN_DATA_DIR", str(root / "data"))
    assert main(["train", "--resume", str(forged), "--name", "d"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"verified-nn: error: {forged}: the checkpoint's epochs: ")
    assert main(["train", "--resume", str(forged), "--name", "d", "--epochs", "3"]) == 0  # the option overrides it


def test_a_checkpoints_hostile_run_name_is_refused_naming_the_file(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _train(root, "n")
    tensors, metadata = _header(root / "models" / "n-last.safetensors")
    forged = _rewrite(root / "named.safetensors", tensors, {**metadata, "run": "../../victim/escaped"})
    monkeypatch.chdir(root)
    monkeypatch.setenv("VERIFIED_NN_DATA_DIR", str(root / "data"))
    assert main(["train", "--resume", str(forged), "--epochs", "3"]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"verified-nn: error: {forged}: the checkpoint's run name (pass --name to choose one): "
        "run name '../../victim/escaped' must be 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit\n"
    )
    assert not (root.parent / "victim").exists()
