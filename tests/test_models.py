"""Model files: any architecture round-trips with metadata and optimizer state; old files load; bad files are named."""

import json
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import safetensors.numpy

from verified_nn.layers import Dropout, LeakyReLU, Tanh
from verified_nn.network import DefaultNetwork, flatten, mlp
from verified_nn.optimizer import SGD, Adam, AdamW, Momentum, Optimizer, state_trees
from verified_nn.training import FORMAT, ModelError, load_model, save_model

Array = np.ndarray[Any, Any]


@pytest.mark.parametrize(
    "optimizer", [SGD(0.1), Momentum(0.05), Momentum(0.05, nesterov=True), Adam(1e-3), AdamW(1e-3, weight_decay=0.1)]
)
def test_a_model_round_trips_with_metadata_and_optimizer_state(
    tmp_path: Path, network: DefaultNetwork, optimizer: Optimizer[Any], rng: np.random.Generator
) -> None:
    state = optimizer.init(network)
    params = network
    for _ in range(2):  # a state that is not all zeros
        grads = network.with_parameters([np.asarray(rng.standard_normal(p.shape)) for p in network.parameters()])
        params, state = optimizer.update(grads, state, params)
    save_model(
        tmp_path / "m.safetensors", params, {"epoch": 3, "test_accuracy": "0.98"}, optimizer=optimizer, state=state
    )
    saved = load_model(tmp_path / "m.safetensors")
    np.testing.assert_array_equal(flatten(saved.network), flatten(params))
    assert saved.network.dtype == np.float64 and saved.resumable
    assert saved.optimizer == optimizer and type(saved.state) is type(state)
    for name, tree in state_trees(state).items():
        np.testing.assert_array_equal(flatten(state_trees(saved.state)[name]), flatten(tree))
    assert getattr(saved.state, "step", None) == getattr(state, "step", None)
    assert saved.metadata["epoch"] == "3" and saved.metadata["format"] == FORMAT


def test_any_architecture_is_restored(tmp_path: Path, rng: np.random.Generator) -> None:
    network = mlp((784, 64, 32, 10), rng=rng, activation=LeakyReLU(0.05), dropout=0.25)
    save_model(tmp_path / "l.safetensors", network, {})
    loaded = load_model(tmp_path / "l.safetensors").network
    assert loaded == network
    assert [type(layer) for layer in loaded.layers][1:3] == [LeakyReLU, Dropout]
    tanh = mlp((784, 16, 10), rng=rng, activation="tanh")
    save_model(tmp_path / "t.safetensors", tanh, {})
    assert isinstance(load_model(tmp_path / "t.safetensors").network.layers[1], Tanh)


def test_files_are_readable_by_plain_safetensors_with_torch_sequential_names(
    tmp_path: Path, network: DefaultNetwork
) -> None:
    save_model(tmp_path / "m.safetensors", network, {})
    tensors = safetensors.numpy.load_file(tmp_path / "m.safetensors")
    assert {name: t.shape for name, t in tensors.items()} == {
        "0.weight": (128, 784),
        "0.bias": (128,),
        "2.weight": (10, 128),
        "2.bias": (10,),
    }


def _first_release_file(path: Path, network: DefaultNetwork, *, velocity: bool) -> None:
    """A model file exactly as the first release wrote it (architecture 784-128-10, W1 b1 W2 b2, velocity.*)."""
    names = ("W1", "b1", "W2", "b2")
    tensors = {name: np.ascontiguousarray(block) for name, block in zip(names, network.parameters(), strict=True)}
    if velocity:
        tensors.update({f"velocity.{name}": np.full_like(tensors[name], 0.5) for name in names})
    config = {"dataset": "mnist", "epochs": 3, "momentum": 0.9, "learning_rate": 0.05, "seed": 0}
    metadata = {
        "architecture": "784-128-10",
        "activation": "leaky_relu(0.05)",
        "dtype": "float64",
        "epoch": "2",
        "config": json.dumps(config),
    }
    path.write_bytes(safetensors.numpy.save(tensors, metadata=metadata))


def test_files_of_the_first_release_still_load(tmp_path: Path, network: DefaultNetwork) -> None:
    _first_release_file(tmp_path / "old.safetensors", network, velocity=True)
    saved = load_model(tmp_path / "old.safetensors")
    np.testing.assert_array_equal(flatten(saved.network), flatten(network))
    assert isinstance(saved.network.layers[1], LeakyReLU) and saved.network.layers[1].slope == 0.05
    assert isinstance(saved.optimizer, Momentum) and saved.resumable
    assert (flatten(saved.state.velocity) == 0.5).all()
    config = json.loads(saved.metadata["config"])
    assert config["validation_size"] == 0 and config["optimizer"] == "momentum"  # the old run held nothing out
    assert saved.metadata["format"] == FORMAT and saved.metadata["epoch"] == "2"


def _saved(tmp_path: Path, network: DefaultNetwork) -> bytes:
    save_model(
        tmp_path / "good.safetensors", network, {"epoch": 1}, optimizer=Momentum(), state=Momentum().init(network)
    )
    return (tmp_path / "good.safetensors").read_bytes()


def _rewrite(tensors: dict[str, Array], metadata: dict[str, str]) -> bytes:
    return safetensors.numpy.save(tensors, metadata=metadata)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("truncated", r"truncated: header of \d+ bytes, file has 100"),
        ("tiny", r"truncated \(4 bytes\): not a safetensors file"),
        ("text", r"not a model file \(it is not in the safetensors format\)"),
        ("payload-cut", r"corrupt safetensors data"),
        ("garbage-header", r"corrupt safetensors header"),
        ("wrong-shape", r"layer 0: dense layer: recorded as 784 -> 128, the arrays are Dense\(100 -> 128, float64\)"),
        ("not-ours", r"not a verified-nn model file \(format None, expected verified-nn/2\)"),
        ("no-architecture", r"metadata 'architecture' is missing$"),
        ("unknown-layer", r"layer 1: unknown layer kind 'swish'"),
        ("missing-tensor", r"layer 2: dense layer: expected arrays weight and bias, missing \['bias'\], extra \[\]"),
        ("extra-tensor", r"tensors the architecture has no place for: 5.weight"),
        ("integer-tensor", r"0.bias has dtype int64, expected float32 or float64"),
        ("misfit-layers", r"Network: layer 2: Dense\(100 -> 10\) takes inputs of width 100, got 128"),
        ("bad-state", r"optimizer_state step must be an integer >= 0|optimizer_state does not belong"),
    ],
)
def test_bad_model_files_raise_model_error_naming_the_file(
    tmp_path: Path, network: DefaultNetwork, case: str, message: str
) -> None:
    good = _saved(tmp_path, network)
    tensors = safetensors.numpy.load(good)
    header = json.loads(good[8 : 8 + struct.unpack("<Q", good[:8])[0]])["__metadata__"]
    architecture = json.loads(header["architecture"])
    unknown = {**architecture, "layers": [architecture["layers"][0], {"kind": "swish"}, architecture["layers"][2]]}
    misfit = {**architecture, "layers": [*architecture["layers"][:2], {"kind": "dense", "in": 100, "out": 10}]}
    content = {
        "truncated": good[:108],
        "tiny": good[:4],
        "payload-cut": good[:-1000],
        "garbage-header": struct.pack("<Q", 10) + b"{not json!" + good[18:],
        "text": b"# verified-nn\n\nShape-typed neural networks whose gradients are checked.\n",
        "wrong-shape": _rewrite({**tensors, "0.weight": np.zeros((128, 100))}, header),
        "not-ours": _rewrite(tensors, {}),
        "no-architecture": _rewrite(tensors, {k: v for k, v in header.items() if k != "architecture"}),
        "unknown-layer": _rewrite(tensors, {**header, "architecture": json.dumps(unknown)}),
        "missing-tensor": _rewrite({k: v for k, v in tensors.items() if k != "2.bias"}, header),
        "extra-tensor": _rewrite({**tensors, "5.weight": np.zeros(3)}, header),
        "integer-tensor": _rewrite({**tensors, "0.bias": np.zeros(128, dtype=np.int64)}, header),
        "misfit-layers": _rewrite(
            {**tensors, "2.weight": np.zeros((10, 100))}, {**header, "architecture": json.dumps(misfit)}
        ),
        "bad-state": _rewrite(tensors, {**header, "optimizer_state": json.dumps({"type": "AdamState", "step": -1})}),
    }[case]
    path = tmp_path / f"{case}.safetensors"
    path.write_bytes(content)
    with pytest.raises(ModelError, match=rf"^{path}: ({message})"):
        load_model(path)


def test_a_missing_model_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=rf"^{tmp_path / 'none.safetensors'}: no such file"):
        load_model(tmp_path / "none.safetensors")


def test_a_failed_write_leaves_the_previous_file_intact(
    tmp_path: Path, network: DefaultNetwork, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = _saved(tmp_path, network)

    def interrupted(source: Path, target: Path) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("os.replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_model(tmp_path / "good.safetensors", network, {"epoch": 2})
    assert (tmp_path / "good.safetensors").read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["good.safetensors"]
    assert json.loads(good[8 : 8 + struct.unpack("<Q", good[:8])[0]])["__metadata__"]["epoch"] == "1"
