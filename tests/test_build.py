"""The network of a run: sized to the data, checked against it, and described in a checkpoint's configuration."""

from typing import Any

import numpy as np
import pytest

from verified_nn.core import InvalidArgumentError
from verified_nn.data import Dataset
from verified_nn.layers import Dense, LeakyReLU, ReLU, Tanh
from verified_nn.network import Network, mlp
from verified_nn.training import TrainConfig, architecture_fields, build_network, check_fits

TABLE = Dataset(np.zeros((6, 20)), [0, 1, 2, 0, 1, 2], name="table")


@pytest.mark.parametrize(
    ("shape", "classes", "config", "described"),
    [
        ((20,), 3, TrainConfig(), "20 -> Dense(20 -> 128, float32) -> ReLU() -> Dense(128 -> 3, float32) -> 3"),
        ((784,), 10, TrainConfig(hidden=(64, 32)), "784 -> Dense(784 -> 64, float32) -> ReLU() -> Dense(64 -> 32"),
        ((8, 8), 10, TrainConfig(hidden=()), "64 -> Dense(64 -> 10, float32) -> 10"),
        ((3, 8, 8), 2, TrainConfig(conv=(4,), kernel=3), "192 -> Reshape(192 -> 3x8x8) -> Conv2D(3 -> 4, 3x3"),
        ((784,), 10, TrainConfig(conv=(4,), kernel=3), "784 -> Reshape(784 -> 1x28x28) -> Conv2D(1 -> 4, 3x3"),
    ],
)
def test_the_network_is_sized_to_the_data(
    shape: tuple[int, ...], classes: int, config: TrainConfig, described: str
) -> None:
    network = build_network(config, shape, classes)
    assert network.describe().startswith(described) and network.classes == classes


def test_a_network_that_does_not_fit_is_refused_naming_both() -> None:
    check_fits(mlp((20, 4, 3), rng=np.random.default_rng(0)), TABLE)  # fits
    for sizes, wrong in (  # the classes are named when they differ
        ((21, 4, 3), r"\(21,\); table has examples of shape \(20,\) \(20 values\)$"),
        ((20, 4, 2), r"\(20,\) to 2 classes; table has examples of shape \(20,\) \(20 values\) and 3 classes$"),
    ):
        with pytest.raises(InvalidArgumentError, match=f"^m.safetensors takes inputs of shape {wrong}"):
            check_fits(mlp(sizes, rng=np.random.default_rng(0)), TABLE, source="m.safetensors")
    with pytest.raises(InvalidArgumentError, match=r"conv 8,8,8,8 with kernel 3 does not fit a 8x8 image"):
        build_network(TrainConfig(conv=(8, 8, 8, 8), kernel=3), (8, 8), 10)


def test_an_mlp_of_the_builders_form_is_described_by_its_fields_and_nothing_else_is() -> None:
    rng = np.random.default_rng(0)
    leaky = mlp((20, 16, 3), rng=rng, activation="leaky_relu(0.2)", dropout=0.3)
    assert architecture_fields(leaky) == {
        "hidden": (16,), "conv": (), "kernel": 5, "conv_stride": 1, "activation": "leaky_relu(0.2)", "dropout": 0.3
    }  # fmt: skip
    assert architecture_fields(mlp((20, 3), rng=rng))["hidden"] == ()  # type: ignore[index]
    mixed: Network[Any, Any] = Network(
        (Dense.init(8, 20, rng=rng), ReLU(), Dense.init(8, 8, rng=rng), Tanh(), Dense.init(3, 8, rng=rng))
    )
    assert architecture_fields(mixed) is None
    assert architecture_fields(Network((Dense.init(3, 20, rng=rng), LeakyReLU(0.01)))) is None  # ends in an activation
