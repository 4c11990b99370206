"""The float pass the bound covers is the library's own forward pass, and every array of it is checked."""

from typing import Any

import numpy as np
import pytest

from verified_nn.exact import (
    RELU,
    Affine,
    DenseNetwork,
    FloatCheckError,
    FloatPass,
    from_network,
    leaky_relu,
    plain_forward,
    run_float_pass,
)
from verified_nn.layers import Activation, Dense, Dropout, LeakyReLU, ReLU, Tanh
from verified_nn.network import Network, default_network, mlp as build_mlp

Array = np.ndarray[Any, Any]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation", [ReLU(), LeakyReLU(0.01)])
def test_the_pass_of_an_mlp_is_its_own_forward_pass(
    dtype: Any, activation: Activation, rng: np.random.Generator
) -> None:
    mlp = default_network(rng, dtype=dtype, activation=activation)
    images = rng.random((33, 784))
    network = from_network(mlp)
    result = run_float_pass(network, images)
    assert np.array_equal(result.logits, mlp.logits(images.astype(dtype)))
    assert np.array_equal(result.logits.argmax(axis=1), mlp.predict(images.astype(dtype)))
    assert result.inputs.dtype == dtype and network.dtype == dtype
    assert network.widths == (784, 128, 10)
    assert network.nonlinearities == ((RELU,) if isinstance(activation, ReLU) else (leaky_relu(0.01),))


def test_the_adapter_refuses_a_layer_it_does_not_know(rng: np.random.Generator) -> None:
    deep = build_mlp((784, 16, 8, 10), rng=rng, activation="tanh", dropout=0.5)
    assert len(from_network(deep).affines) == 3  # dropout is skipped, tanh known
    odd: Network[Any, Any] = Network(
        (Dense.init(16, 784, rng=rng), Tanh(), Dropout(0.5), Tanh(), Dense.init(10, 16, rng=rng))
    )
    with pytest.raises(FloatCheckError, match=r"layer 3 is Tanh\(\), where the check needs a dense layer"):
        from_network(odd)
    with pytest.raises(FloatCheckError, match="must end with a dense layer"):
        from_network(Network((Dense.init(16, 784, rng=rng), Tanh())))


def test_the_adapter_notices_a_pass_that_is_not_mlp_logits(
    monkeypatch: pytest.MonkeyPatch, rng: np.random.Generator
) -> None:
    original = Dense.forward

    def nudged(layer: Any, inputs: Array, **kwargs: Any) -> Any:
        outputs, cache = original(layer, inputs, **kwargs)
        return np.nextafter(outputs, np.inf), cache

    monkeypatch.setattr(Dense, "forward", nudged)
    monkeypatch.setattr(Network, "logits", lambda self, x: _unnudged(self, x, original))
    with pytest.raises(FloatCheckError, match=r"differs from Network\.logits"):
        run_float_pass(from_network(default_network(rng)), rng.random((2, 784)))


def test_the_plain_pass_computes_dense_layers_and_activations() -> None:
    w1, b1 = np.array([[1.0, -2.0], [0.5, 0.5]]), np.array([0.25, -3.0])
    w2, b2 = np.array([[1.0, 1.0]]), np.array([0.0])
    network = DenseNetwork((Affine(w1, b1), Affine(w2, b2)), (leaky_relu(0.5),))
    result = plain_forward(network, np.array([[1.0, 1.0]]))
    assert result.pre_activations[0].tolist() == [[-0.75, -2.0]]
    assert result.activations[0].tolist() == [[-0.375, -1.0]]
    assert result.logits.tolist() == [[-1.375]]


def _network() -> DenseNetwork:
    return DenseNetwork((Affine(np.ones((1, 2), dtype=np.float32), np.zeros(1, dtype=np.float32)),), ())


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        (np.ones((2, 3), dtype=np.float32), r"inputs must have shape \(batch, 2\), got \(2, 3\)"),
        (np.ones((2, 2), dtype=np.int64), "inputs must be floats, got int64"),
        (np.array([[1.0, np.nan]], dtype=np.float32), "inputs must be finite"),
    ],
)
def test_bad_inputs_are_refused(inputs: Array, message: str) -> None:
    with pytest.raises(FloatCheckError, match=message):
        run_float_pass(_network(), inputs)


def test_a_pass_in_another_dtype_is_refused() -> None:
    base = _network()

    def float64_pass(x: Array) -> FloatPass:
        return FloatPass(x, (x.astype(np.float64) @ np.ones((2, 1)),), ())

    network = DenseNetwork(base.affines, (), forward=float64_pass)
    with pytest.raises(FloatCheckError, match=r"layer 1 output is float64\[1, 1\], expected float32\[1, 1\]"):
        run_float_pass(network, np.ones((1, 2), dtype=np.float32))


def test_inputs_are_converted_to_the_network_dtype_as_the_library_does(rng: np.random.Generator) -> None:
    mlp: Network[Any, Any] = default_network(rng)
    images = rng.random((3, 784))  # float64
    result = run_float_pass(from_network(mlp), images)
    assert result.inputs.dtype == np.float32
    assert np.array_equal(result.logits, mlp.logits(images))


def _unnudged(network: Network[Any, Any], x: Array, forward: Any) -> Array:
    """The logits with the true dense kernel, for the test whose pass is nudged away from them."""
    current = x
    for layer in network.layers:
        current = forward(layer, current)[0] if isinstance(layer, Dense) else layer.forward(current)[0]
    return current
