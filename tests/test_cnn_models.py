"""CNN model files: saved and loaded with their optimizer state, named as torch.nn.Sequential names its parameters."""

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import safetensors.numpy

from verified_nn.layers import AvgPool2D, Conv2D, Dense, Flatten, MaxPool2D, ReLU, Reshape
from verified_nn.network import Network, cnn
from verified_nn.optimizer import Momentum
from verified_nn.training import ModelError, load_model, save_model


def _network() -> Network[Any, Any]:
    rng = np.random.default_rng(0)
    return Network(
        (
            Reshape((1, 12, 12)),
            Conv2D.init(3, 1, kernel=(3, 2), stride=(1, 2), padding=(1, 0), rng=rng),
            ReLU(),
            MaxPool2D(3, stride=2, padding=1),
            Conv2D.init(4, 3, kernel=2, rng=rng),
            AvgPool2D(2),
            Flatten(8),
            Dense.init(10, 8, rng=rng),
        )
    )


def test_a_cnn_and_its_optimizer_state_survive_a_round_trip(tmp_path: Path) -> None:
    network = _network()
    optimizer = Momentum(learning_rate=0.1)
    state = optimizer.init(network)
    save_model(tmp_path / "m.safetensors", network, {"run": "r"}, optimizer=optimizer, state=state)
    saved = load_model(tmp_path / "m.safetensors")
    assert saved.network.describe() == network.describe()
    assert saved.network.config() == network.config()
    for mine, theirs in zip(network.parameters(), saved.network.parameters(), strict=True):
        np.testing.assert_array_equal(mine, theirs)
    assert saved.resumable and saved.optimizer == optimizer
    images = np.random.default_rng(1).random((3, 144), dtype=np.float32)
    np.testing.assert_array_equal(saved.network.logits(images), network.logits(images))


def test_parameters_are_named_by_layer_index_as_in_torch_sequential(tmp_path: Path) -> None:
    save_model(tmp_path / "m.safetensors", _network(), {})
    tensors = safetensors.numpy.load_file(tmp_path / "m.safetensors")
    assert sorted(tensors) == ["1.bias", "1.weight", "4.bias", "4.weight", "7.bias", "7.weight"]
    assert tensors["1.weight"].shape == (3, 1, 3, 2) and tensors["4.weight"].shape == (4, 3, 2, 2)


def test_a_file_whose_convolution_does_not_fit_its_recorded_settings_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.safetensors"
    save_model(path, _network(), {})
    tensors = safetensors.numpy.load_file(path)
    with open(path, "rb") as handle:
        header = safetensors.safe_open(handle.name, "numpy").metadata()  # type: ignore[no-untyped-call]
    tensors["4.weight"] = np.zeros((4, 3, 3, 3), dtype=np.float32)  # a 3x3 kernel where 2x2 is recorded
    safetensors.numpy.save_file(tensors, path, metadata=header)
    with pytest.raises(
        ModelError,
        match=r"layer 4: conv2d layer: recorded as .*'kernel': \[2, 2\].*, the arrays are Conv2D\(3 -> 4, 3x3",
    ):
        load_model(path)


def test_pytorch_loads_the_same_parameters_and_computes_the_same_logits(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    network = cnn((3, 4), kernel=3, hidden=(8,), rng=np.random.default_rng(2))
    save_model(tmp_path / "m.safetensors", network, {})
    tensors = safetensors.numpy.load_file(tmp_path / "m.safetensors")
    model = torch.nn.Sequential(
        torch.nn.Unflatten(1, (1, 28, 28)),
        torch.nn.Conv2d(1, 3, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(3, 4, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(196, 8),
        torch.nn.ReLU(),
        torch.nn.Linear(8, 10),
    )
    model.load_state_dict({name: torch.from_numpy(array) for name, array in tensors.items()}, strict=True)
    images = np.random.default_rng(3).random((5, 784), dtype=np.float32)
    with torch.no_grad():
        theirs = model(torch.from_numpy(images)).numpy()
    np.testing.assert_allclose(network.logits(images), theirs, rtol=1e-4, atol=1e-5)
