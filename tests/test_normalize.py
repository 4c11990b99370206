"""The Normalize layer: (x - shift) / scale as two roundings, its backward pass, its settings in model files."""

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from verified_nn.core import InvalidArgumentError, ShapeError
from verified_nn.layers import Dense, Normalize, layer_config, layer_from_config
from verified_nn.network import Network
from verified_nn.training import load_model, save_model

RNG = np.random.default_rng(3)


def test_forward_subtracts_then_divides_in_the_inputs_dtype() -> None:
    layer = Normalize((3, 1, 1), (0.1, 0.2, 0.3), (0.3, 0.7, 1.1))
    x = RNG.random((2, 3, 4, 4)).astype(np.float32)
    y, _ = layer.forward(x)
    shift = np.array([0.1, 0.2, 0.3], dtype=np.float32).reshape(3, 1, 1)
    scale = np.array([0.3, 0.7, 1.1], dtype=np.float32).reshape(3, 1, 1)
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, (x - shift) / scale)
    assert not np.array_equal(y, (x - shift) * (1 / scale))  # a product by the reciprocal rounds differently


def test_backward_matches_finite_differences() -> None:
    layer = Normalize((4,), (0.5, -1.0, 2.0, 0.0), (0.25, 3.0, -2.0, 1.0))
    x = RNG.normal(size=(3, 4))
    dy = RNG.normal(size=(3, 4))
    dx, grads = layer.backward(dy, layer.forward(x)[1])
    step = 1e-6
    numeric = ((layer.forward(x + step)[0] - layer.forward(x - step)[0]) / (2 * step)) * dy
    np.testing.assert_allclose(dx, numeric, rtol=1e-6)
    assert grads is layer


def test_settings_round_trip_through_a_model_file(tmp_path: Path) -> None:
    network: Network[Any, Any] = Network(
        (Normalize((2,), (0.5, 0.25), (2.0, 4.0)), Dense(weights=RNG.normal(size=(3, 2)), bias=np.zeros(3)))
    )
    save_model(tmp_path / "m.safetensors", network, {})
    loaded = load_model(tmp_path / "m.safetensors").network
    assert loaded == network
    assert layer_from_config(layer_config(network.layers[0]), {}) == network.layers[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (((2,), (0.5,), (1.0, 1.0)), "shift must hold 2 numbers"),
        (((2,), (0.5, 0.5), (1.0, 0.0)), "every scale must be nonzero"),
        (((0,), (), ()), "shape must be a tuple of sizes >= 1"),
        (((), (float("nan"),), (1.0,)), "shift must hold finite numbers"),
    ],
)
def test_bad_settings_are_refused(args: tuple[object, object, object], message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        Normalize(*args)  # type: ignore[arg-type]


def test_constants_that_do_not_fit_the_samples_are_refused() -> None:
    with pytest.raises(ShapeError, match="do not fit"):
        Normalize((3,), (0.0,) * 3, (1.0,) * 3).forward(np.zeros((2, 4)))  # type: ignore[shape]
    with pytest.raises(ShapeError, match="does not fit inputs"):
        Network((Dense(weights=np.ones((4, 2)), bias=np.zeros(4)), Normalize((3,), (0.0,) * 3, (1.0,) * 3)))
