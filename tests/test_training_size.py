"""Network and run sizes against the ceilings: counted without building, refused before allocating."""

import json
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import safetensors.numpy
from hypothesis import given, settings, strategies as st

from verified_nn.core import InvalidArgumentError
from verified_nn.network import Network, default_network, parameter_count
from verified_nn.training import (
    ModelError,
    TrainConfig,
    build_network,
    load_model,
    network_size,
    samples_per_pass,
    save_model,
    size_problem,
    train,
)
from verified_nn.training._size import config_parameters


def test_the_default_network_and_the_cnn_presets_sizes() -> None:
    size = network_size(default_network(np.random.default_rng(0)))
    assert (size.layers, size.parameters, size.values) == (3, 101_770, 784 + 128 + 128 + 10)
    cnn = build_network(TrainConfig(conv=(32, 32), kernel=3), (784,), 10)
    # input, reshape, conv (and its 9 x 1 x 784 unfolded input), pool (4 x 32 x 196), relu, conv (9 x 32 x 196),
    # pool (4 x 32 x 49), relu, flatten, dense 128, relu, dense 10
    expected = 784 + 784 + (25088 + 7056) + (6272 + 25088) + 6272 + (6272 + 56448) + (1568 + 6272) + 1568 + 1568
    assert network_size(cnn).values == expected + 128 + 128 + 10
    assert size_problem(cnn, batch=64) is None


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(1, 40), max_size=3),
    st.lists(st.integers(1, 6), max_size=3),
    st.sampled_from([1, 2, 3, 4, 5, 7]),
)
def test_the_parameters_counted_from_a_configuration_are_those_of_the_network_built(
    hidden: list[int], conv: list[int], kernel: int
) -> None:
    config = TrainConfig(hidden=tuple(hidden), conv=tuple(conv), kernel=kernel)
    try:
        network = build_network(config, (784,), 10)
    except Exception:  # convolutions that do not fit the image: the count says 0, the builder refuses
        assert config_parameters(config) == 0
        return
    assert config_parameters(config) == parameter_count(network)


def test_a_run_too_large_is_refused_before_the_network_is_built(tmp_path: Path) -> None:
    cases = [
        (TrainConfig(hidden=(10**9,)), r"^hidden 1000000000: the network has 795,000,000,010 parameters, over the limit of 16,777,216"),
        (TrainConfig(conv=(4096, 4096), kernel=9), r"^conv 4096,4096 \(kernel 9, hidden 128\): the network has"),
        (TrainConfig(epochs=10**8), r"^epochs: the run asks for 100,000,000 epochs, over the limit of 10,000 epochs"),
        (TrainConfig(threads=10**6), r"^threads 1,000,000 is more than the \d+ cores"),
        (TrainConfig(batch_size=10**6), r"^batch_size 1,000,000: a batch of 1,000,000 samples makes 1,050,000,000 values"),
    ]
    tracemalloc.start()
    try:
        for config, message in cases:
            with pytest.raises(InvalidArgumentError, match=message):
                train(config, out_dir=tmp_path / "models", log_dir=tmp_path / "logs", echo=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 << 20, f"{peak:,} bytes traced: something was allocated before the refusal"
    assert not (tmp_path / "models").exists() and not (tmp_path / "logs").exists()


def _model_file(path: Path, layers: list[Any], tensors: dict[str, np.ndarray]) -> Path:
    metadata = {"format": "verified-nn/2", "dtype": "float32", "architecture": json.dumps({"layers": layers})}
    path.write_bytes(safetensors.numpy.save(tensors, metadata=metadata))
    return path


def test_model_files_over_a_ceiling_are_refused_in_one_line_naming_them(tmp_path: Path) -> None:
    dense: dict[str, Any] = {"kind": "dense", "in": 784, "out": 10}
    weights = {"0.weight": np.zeros((10, 784), np.float32), "0.bias": np.zeros(10, np.float32)}
    padded: list[Any] = [
        {"kind": "reshape", "shape": [1, 28, 28]},
        {"kind": "conv2d", "in": 1, "out": 1, "kernel": [1, 1], "stride": [1, 1], "padding": [100000, 100000]},
        {"kind": "flatten"},
    ]
    conv = {"1.weight": np.ones((1, 1, 1, 1), np.float32), "1.bias": np.zeros(1, np.float32)}
    cases = {
        "layers": (_model_file(tmp_path / "layers", [dense, *[{"kind": "relu"}] * 5000], weights), r"the architecture has 5,001 layers, over the limit of 1,000 layers \(set VERIFIED_NN_MAX_LAYERS"),
        "values": (_model_file(tmp_path / "values", padded, conv), r"one sample makes 120,033,603,920 values, over the limit of 2,097,152 values"),
    }
    for path, message in cases.values():
        with pytest.raises(ModelError, match=rf"^{path}: {message}") as caught:
            load_model(path)
        assert "\n" not in str(caught.value)


def test_a_ceiling_raised_by_its_variable_admits_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    network: Network[Any, Any] = Network((default_network(np.random.default_rng(0)).layers[0],))
    save_model(tmp_path / "m", network, {})
    monkeypatch.setenv("VERIFIED_NN_MAX_PARAMETERS", "1000")
    with pytest.raises(ModelError, match=r"the network has 100,480 parameters, over the limit of 1,000 parameters"):
        load_model(tmp_path / "m")
    monkeypatch.setenv("VERIFIED_NN_MAX_PARAMETERS", "100480")
    assert load_model(tmp_path / "m").network.classes == 128


def test_evaluation_passes_shrink_for_networks_whose_samples_make_many_values(monkeypatch: pytest.MonkeyPatch) -> None:
    network = default_network(np.random.default_rng(0))
    assert samples_per_pass(network, 2000) == 2000
    monkeypatch.setenv("VERIFIED_NN_MAX_BATCH_VALUES", str(1050 * 7 + 3))
    assert samples_per_pass(network, 2000) == 7
    monkeypatch.setenv("VERIFIED_NN_MAX_BATCH_VALUES", "1")
    assert samples_per_pass(network, 2000) == 1
