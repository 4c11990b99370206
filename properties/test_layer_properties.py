"""Layers: each activation layer computes its function and derivative, its backward is the gradient of its
forward, layers refuse inputs and upstream gradients of another shape, and every layer of any network
describes itself for model files and is rebuilt from that description."""

import re
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given, strategies as st
from strategies import DEFAULT, activations, dropout_rates, finite_arrays, float_dtypes, networks, seeds

from verified_nn.core import (
    InvalidArgumentError,
    ShapeError,
    leaky_relu,
    leaky_relu_derivative,
    relu,
    relu_derivative,
    tanh,
    tanh_derivative,
)
from verified_nn.layers import (
    Activation,
    Dense,
    Dropout,
    LeakyReLU,
    ReLU,
    Tanh,
    activation_named,
    layer_config,
    layer_from_config,
)
from verified_nn.network import Network
from verified_nn.verification import check_gradient

Array = np.ndarray[Any, Any]


def _reference(layer: Activation) -> tuple[Any, Any]:
    """The core function and derivative an activation layer stands for."""
    if isinstance(layer, LeakyReLU):
        slope = layer.slope
        return (lambda x: leaky_relu(x, slope=slope)), (lambda x: leaky_relu_derivative(x, slope=slope))
    if isinstance(layer, Tanh):
        return tanh, tanh_derivative
    return relu, relu_derivative


@given(activations, finite_arrays(), seeds)
def test_each_activation_layer_computes_its_function_and_its_derivative(layer: Activation, x: Array, seed: int) -> None:
    """ReLU, LeakyReLU(s) and Tanh layers give the core function forward and dy times its derivative backward,
    in the input's shape and dtype; having no parameters, each is its own gradient."""
    function, derivative = _reference(layer)
    y, cache = layer.forward(x)
    assert y.shape == x.shape and y.dtype == x.dtype
    np.testing.assert_array_equal(y, function(x))
    np.testing.assert_array_equal(layer.function(x), function(x))
    assert layer.derivative(x, y).dtype == x.dtype
    np.testing.assert_array_equal(layer.derivative(x, y), derivative(x))
    zero = np.zeros_like(x)
    np.testing.assert_array_equal(layer.derivative(zero, layer.function(zero)), derivative(zero))
    dy = np.asarray(np.random.default_rng(seed).standard_normal(x.shape), dtype=x.dtype)
    dx, grads = layer.backward(dy, cache)
    assert dx.dtype == x.dtype and grads is layer
    np.testing.assert_allclose(dx, dy * derivative(x), rtol=1e-6 if x.dtype == np.float32 else 1e-15)
    assert layer.parameters() == () and layer.parameter_names() == ()


@given(activations, finite_arrays(scale=3.0), seeds)
def test_activation_layers_backward_agrees_with_finite_differences_away_from_the_kink(
    layer: Activation, x: Array, seed: int
) -> None:
    """backward(dy) is the gradient of <dy, f(x)> with respect to x, at inputs at least 1e-2 away from 0."""
    x64 = x.astype(np.float64)
    x64 = np.where(np.abs(x64) < 1e-2, np.copysign(1e-2, x64), x64)  # away from ReLU's kink
    dy = np.asarray(np.random.default_rng(seed).standard_normal(x.shape))
    _, cache = layer.forward(x64)
    dx, _ = layer.backward(dy, cache)
    report = check_gradient(lambda v: float(np.vdot(dy, layer.forward(v)[0])), dx, x64, step=1e-3)
    assert report.passed, report.summary()


@given(activations, st.integers(1, 6), st.integers(1, 6))
def test_activation_layers_refuse_an_upstream_gradient_of_another_shape_or_dtype(
    layer: Activation, rows: int, columns: int
) -> None:
    """backward refuses dy whose shape or dtype differs from the input's, naming the layer and both."""
    x = np.ones((rows, columns))
    _, cache = layer.forward(x)
    name = type(layer).__name__
    with pytest.raises(
        ShapeError,
        match=rf"^{name}.backward: argument 'dy' expected float64\[{rows},{columns}\], got float64\[{rows},{columns + 1}\]$",
    ):
        layer.backward(np.ones((rows, columns + 1)), cache)
    with pytest.raises(
        ShapeError, match=rf"^{name}.backward: argument 'dy' expected float64\[{rows},{columns}\], got float32\["
    ):
        layer.backward(np.ones((rows, columns), dtype=np.float32), cache)
    with pytest.raises(
        ShapeError,
        match=rf"^{name}.forward: argument 'x' expected float\[batch, \.\.\.\], got int64\[{rows},{columns}\]$",
    ):
        layer.forward(np.ones((rows, columns), dtype=np.int64))


@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 6), float_dtypes)
def test_a_dense_layer_refuses_inputs_and_gradients_of_another_shape(
    out: int, inputs: int, batch: int, dtype: np.dtype[Any]
) -> None:
    """Dense.forward refuses x whose width is not the layer's input width, and backward refuses dy whose
    shape is not (batch, out) or whose dtype is not the layer's, naming what was expected and given."""
    layer = Dense.init(out, inputs, rng=np.random.default_rng(0), dtype=dtype)
    with pytest.raises(
        ShapeError,
        match=rf"^Dense.forward: argument 'x' expected float\[batch, {inputs}\], got float64\[{batch},{inputs + 1}\]$",
    ):
        layer.forward(np.ones((batch, inputs + 1)))
    _, cache = layer.forward(np.ones((batch, inputs)))
    with pytest.raises(
        ShapeError,
        match=rf"^Dense.backward: argument 'dy' expected {dtype}\[{batch},{out}\], got {dtype}\[{batch},{out + 1}\]$",
    ):
        layer.backward(np.ones((batch, out + 1), dtype=dtype), cache)
    with pytest.raises(ShapeError, match=rf"^Dense.backward: argument 'dy' expected {dtype}\[{batch},{out}\], got "):
        layer.parameter_gradients(np.ones((batch, out), dtype=np.int64), cache)


@given(networks())
@example(DEFAULT.network)
def test_every_layer_is_rebuilt_from_its_model_file_description(network: Network[Any, Any]) -> None:
    """layer_from_config(layer_config(layer), its named parameters) gives back a layer of the same kind,
    settings and parameters, for every layer of any network."""
    for layer in network.layers:
        config = layer_config(layer)
        assert config["kind"] == type(layer).kind
        if isinstance(layer, Dense):
            assert config == {"kind": "dense", "in": layer.shape[1], "out": layer.shape[0]}
        named = dict(zip(layer.parameter_names(), layer.parameters(), strict=True))
        rebuilt = layer_from_config(config, named)
        assert type(rebuilt) is type(layer) and rebuilt.config() == layer.config()
        for mine, theirs in zip(layer.parameters(), rebuilt.parameters(), strict=True):
            np.testing.assert_array_equal(mine, theirs)


@given(st.floats(0, 0.99), dropout_rates)
def test_activations_are_named_as_the_command_line_names_them(slope: float, rate: float) -> None:
    """relu, tanh, leaky_relu (slope 0.01) and leaky_relu(s) name the activation layers; other names are refused."""
    assert activation_named("relu") == ReLU() and activation_named("tanh") == Tanh()
    assert activation_named("leaky_relu") == LeakyReLU(0.01)
    assert activation_named(f"leaky_relu({slope!r})") == LeakyReLU(slope)
    assert layer_config(LeakyReLU(slope)) == {"kind": "leaky_relu", "slope": slope}
    assert layer_config(Dropout(rate)) == {"kind": "dropout", "rate": rate}
    for name in ("swish", "leaky_relu(x)", "leaky_relu(0.1", "Relu"):
        expected = f"unknown activation {name!r}; known: relu, leaky_relu, tanh, sigmoid, leaky_relu(SLOPE)"
        with pytest.raises(InvalidArgumentError, match=f"^{re.escape(expected)}$"):
            activation_named(name)


@given(st.integers(1, 6), st.integers(1, 6))
def test_a_dense_description_must_match_its_arrays(out: int, inputs: int) -> None:
    """A dense layer recorded as in -> out is refused when its arrays have other sizes, or when settings or
    arrays are missing; an unknown kind is refused, naming the known ones."""
    layer = Dense.init(out, inputs, rng=np.random.default_rng(0), dtype=np.float64)
    arrays = {"weight": layer.weights, "bias": layer.bias}
    with pytest.raises(
        ShapeError,
        match=rf"^dense layer: recorded as {inputs + 1} -> {out}, the arrays are Dense\({inputs} -> {out}, float64\)$",
    ):
        layer_from_config({"kind": "dense", "in": inputs + 1, "out": out}, arrays)
    with pytest.raises(InvalidArgumentError, match=r"^dense layer: expected the settings in and out, got \['in'\]$"):
        layer_from_config({"kind": "dense", "in": inputs}, arrays)
    with pytest.raises(
        ShapeError, match=r"^dense layer: expected arrays weight and bias, missing \['bias'\], extra \[\]$"
    ):
        layer_from_config({"kind": "dense", "in": inputs, "out": out}, {"weight": layer.weights})
    with pytest.raises(
        InvalidArgumentError, match=r"^unknown layer kind 'swish'; known: dense, relu, leaky_relu, tanh, dropout"
    ):
        layer_from_config({"kind": "swish"}, {})
    with pytest.raises(ShapeError, match=r"^ReLU has no parameters, got weight$"):
        layer_from_config({"kind": "relu"}, {"weight": layer.weights})
    with pytest.raises(ShapeError, match=r"^Tanh has no parameters, got bias, weight$"):
        layer_from_config({"kind": "tanh"}, arrays)
    with pytest.raises(InvalidArgumentError, match=r"^Dropout: bad settings \{'colour': 1\} \("):
        layer_from_config({"kind": "dropout", "colour": 1}, {})
    for kind in (None, ["dense"]):
        settings = {} if kind is None else {"kind": kind}
        with pytest.raises(InvalidArgumentError, match=rf"^unknown layer kind {re.escape(repr(kind))}; known: dense, "):
            layer_from_config(settings, {})
    assert ReLU().with_parameters([]) == ReLU()
    with pytest.raises(ShapeError, match=r"^ReLU has no parameters, got 2 arrays$"):
        ReLU().with_parameters([layer.weights, layer.bias])
