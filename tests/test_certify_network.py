"""certify's network: validation with clear messages, the adapter from a Network, and a forward pass
identical bit for bit to the model's own."""

import pickle
from typing import Any

import numpy as np
import pytest
from certify_networks import tiny_network

from verified_nn.certify import CertifyError, DenseNetwork, from_model
from verified_nn.core import as_image_batch
from verified_nn.layers import Dense, Dropout, LeakyReLU, ReLU, Tanh
from verified_nn.network import DefaultNetwork, Network, default_network, mlp


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation", ["relu", "leaky"])
def test_the_adapted_network_computes_exactly_what_the_network_computes(dtype: type, activation: str) -> None:
    rng = np.random.default_rng(1)
    model = default_network(rng, dtype=dtype, activation=LeakyReLU(0.05) if activation == "leaky" else "relu")
    network = from_model(model)
    for batch in (1, 7, 64):
        images = as_image_batch(rng.random((batch, 784)), dtype=dtype)
        np.testing.assert_array_equal(network.logits(images), model.logits(images))
        np.testing.assert_array_equal(network.predict(images), model.predict(images))
    assert network.widths == (784, 128, 10) and network.dtype == dtype
    assert network.slopes == ((0.05,) if activation == "leaky" else (0.0,))


def test_a_deeper_network_with_dropout_is_adapted_and_computes_the_same(rng: np.random.Generator) -> None:
    model = mlp((784, 64, 32, 10), rng=rng, activation=LeakyReLU(0.1), dropout=0.3)
    network = from_model(model)
    images = rng.random((9, 784)).astype(np.float32)
    assert network.widths == (784, 64, 32, 10) and network.slopes == (0.1, 0.1)
    np.testing.assert_array_equal(network.logits(images), model.logits(images))


def test_the_adapter_shares_the_parameters_without_copying(network: DefaultNetwork) -> None:
    adapted = from_model(network)
    first = network.layers[0]
    assert isinstance(first, Dense)
    assert np.shares_memory(adapted.weights[0], first.weights)
    assert not adapted.weights[0].flags.writeable


def test_the_adapter_refuses_other_objects_and_layers() -> None:
    with pytest.raises(CertifyError, match="certify converts a verified_nn Network, got str"):
        from_model("model")  # type: ignore[arg-type]
    rng = np.random.default_rng(0)
    odd: Network[Any, Any] = Network((Dense.init(8, 784, rng=rng), Tanh(), Dense.init(10, 8, rng=rng)))
    with pytest.raises(CertifyError, match=r"layer 1 is Tanh\(\), where it needs ReLU or leaky ReLU"):
        from_model(odd)
    twice: Network[Any, Any] = Network((Dense.init(8, 784, rng=rng), ReLU(), Dropout(0.5), ReLU()))
    with pytest.raises(CertifyError, match=r"layer 3 is ReLU\(\), where it needs a dense layer"):
        from_model(twice)


@pytest.mark.parametrize(
    ("weights", "biases", "slopes", "message"),
    [
        ((), (), (), "at least one dense layer"),
        ((np.ones((2, 3)),), (np.ones(2),), (0.0,), "1 dense layers need 0 activations"),
        (
            (np.ones((2, 3)), np.ones((2, 4))),
            (np.ones(2), np.ones(2)),
            (0.0,),
            "layer 1 takes 4 inputs, layer 0 gives 2",
        ),
        ((np.ones((2, 3)),), (np.ones(3),), (), r"layer 0: weights \(2, 3\) and bias \(3,\)"),
        ((np.ones((2, 3), np.float32),), (np.ones(2),), (), "layer 0: dtypes float32/float64 differ"),
        ((np.ones((2, 3), np.float16),), (np.ones(2, np.float16),), (), "float32 and float64 networks, got float16"),
        ((np.full((2, 3), np.nan),), (np.ones(2),), (), "layer 0 holds non-finite parameters"),
        ((np.ones((2, 3)), np.ones((2, 2))), (np.ones(2), np.ones(2)), (1.0,), r"slope must lie in \[0, 1\), got 1.0"),
    ],
)
def test_a_malformed_network_is_refused_with_a_clear_message(
    weights: tuple[np.ndarray, ...], biases: tuple[np.ndarray, ...], slopes: tuple[float, ...], message: str
) -> None:
    with pytest.raises(CertifyError, match=message):
        DenseNetwork(weights=weights, biases=biases, slopes=slopes)


def test_a_network_pickles_without_its_float64_cache() -> None:
    network = tiny_network(dtype=np.float32)
    assert network.exact[0][0].dtype == np.float64  # fills the cache
    payload = pickle.dumps(network)
    assert len(payload) < len(pickle.dumps(network.weights)) + 2000
    copy = pickle.loads(payload)
    x = np.random.default_rng(0).random((4, 3)).astype(np.float32)
    np.testing.assert_array_equal(copy.logits(x), network.logits(x))


def test_the_deployed_slope_is_the_slope_rounded_to_the_dtype() -> None:
    network = tiny_network(dtype=np.float32, slope=0.01)
    assert network.deployed_slope(0) == float(np.float32(0.01)) != 0.01
