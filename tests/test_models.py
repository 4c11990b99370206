"""Model files: round trip with metadata, atomic writes, and every bad file as one clear ModelError."""

import json
import struct
from pathlib import Path

import numpy as np
import pytest
import safetensors.numpy

from verified_nn.core import leaky_relu_activation
from verified_nn.network import MLP, flatten, he_init
from verified_nn.optimizer import Momentum
from verified_nn.training import ModelError, load_model, save_model


def test_a_model_round_trips_with_metadata_and_velocity(tmp_path: Path, mlp: MLP) -> None:
    velocity = Momentum().init(mlp).velocity
    save_model(tmp_path / "m.safetensors", mlp, {"epoch": 3, "test_accuracy": "0.98"}, velocity=velocity)
    saved = load_model(tmp_path / "m.safetensors")
    np.testing.assert_array_equal(flatten(saved.mlp), flatten(mlp))
    assert saved.mlp.dtype == np.float64 and saved.velocity is not None
    assert saved.metadata["epoch"] == "3" and saved.metadata["architecture"] == "784-128-10"
    assert saved.metadata["activation"] == "relu"


def test_the_activation_is_restored(tmp_path: Path) -> None:
    leaky = he_init(np.random.default_rng(0), activation=leaky_relu_activation(0.05))
    save_model(tmp_path / "l.safetensors", leaky, {})
    assert load_model(tmp_path / "l.safetensors").mlp.activation.name == "leaky_relu(0.05)"


def test_files_are_readable_by_plain_safetensors(tmp_path: Path, mlp: MLP) -> None:
    save_model(tmp_path / "m.safetensors", mlp, {})
    tensors = safetensors.numpy.load_file(tmp_path / "m.safetensors")
    assert {name: t.shape for name, t in tensors.items()} == {
        "W1": (128, 784),
        "b1": (128,),
        "W2": (10, 128),
        "b2": (10,),
    }


def _saved(tmp_path: Path, mlp: MLP) -> bytes:
    save_model(tmp_path / "good.safetensors", mlp, {"epoch": 1})
    return (tmp_path / "good.safetensors").read_bytes()


def _rewrite(tensors: dict[str, np.ndarray], metadata: dict[str, str]) -> bytes:
    return safetensors.numpy.save(tensors, metadata=metadata)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("truncated", r"truncated: header of \d+ bytes, file has 100"),
        ("tiny", r"truncated \(4 bytes\): not a safetensors file"),
        ("payload-cut", r"corrupt safetensors data"),
        ("garbage-header", r"corrupt safetensors header"),
        ("wrong-shape", r"W1 has shape \(128, 100\), expected \(128, 784\)"),
        ("wrong-architecture", r"architecture '784-64-10', but this library builds 784-128-10"),
        ("missing-tensor", r"no tensor b2"),
        ("integer-tensor", r"b1 has dtype int64, expected float32 or float64"),
    ],
)
def test_bad_model_files_raise_model_error_naming_the_file(tmp_path: Path, mlp: MLP, case: str, message: str) -> None:
    good = _saved(tmp_path, mlp)
    tensors = safetensors.numpy.load(good)
    metadata = {"architecture": "784-128-10", "activation": "relu"}
    content = {
        "truncated": good[:108],
        "tiny": good[:4],
        "payload-cut": good[:-1000],
        "garbage-header": struct.pack("<Q", 10) + b"{not json!" + good[18:],
        "wrong-shape": _rewrite({**tensors, "W1": np.zeros((128, 100))}, metadata),
        "wrong-architecture": _rewrite(tensors, {**metadata, "architecture": "784-64-10"}),
        "missing-tensor": _rewrite({k: v for k, v in tensors.items() if k != "b2"}, metadata),
        "integer-tensor": _rewrite({**tensors, "b1": np.zeros(128, dtype=np.int64)}, metadata),
    }[case]
    path = tmp_path / f"{case}.safetensors"
    path.write_bytes(content)
    with pytest.raises(ModelError, match=rf"^{path}: {message}"):
        load_model(path)


def test_a_missing_model_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=rf"^{tmp_path / 'none.safetensors'}: no such file"):
        load_model(tmp_path / "none.safetensors")


def test_a_failed_write_leaves_the_previous_file_intact(
    tmp_path: Path, mlp: MLP, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = _saved(tmp_path, mlp)

    def interrupted(source: Path, target: Path) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("os.replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_model(tmp_path / "good.safetensors", mlp, {"epoch": 2})
    assert (tmp_path / "good.safetensors").read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["good.safetensors"]
    assert json.loads(good[8 : 8 + struct.unpack("<Q", good[:8])[0]])["__metadata__"]["epoch"] == "1"
