"""A user-defined layer plugs in by implementing the layer protocol: two layers written here (a parameterless
reshape from images of any rows x columns, registered for model files, and a per-feature gain with a
parameter, left unregistered) compose with the library's layers, describe themselves, backpropagate
correctly, and pass through parameter trees and optimizers like built-in layers."""

import dataclasses
import re
from collections.abc import Sequence
from typing import Any, ClassVar, Self

import numpy as np
import pytest
from hypothesis import given, strategies as st
from strategies import activations, seeds

from verified_nn.core import InvalidArgumentError, ShapeError
from verified_nn.layers import (
    EVAL,
    Dense,
    Layer,
    Mode,
    ReLU,
    layer_config,
    layer_from_config,
    layer_kinds,
    register_layer,
)
from verified_nn.network import Batch, Network, check_same_structure, flatten, map_parameters, unflatten
from verified_nn.optimizer import Adam, Momentum, Optimizer
from verified_nn.verification import check_network_gradients

Array = np.ndarray[Any, Any]


@register_layer
@dataclasses.dataclass(frozen=True)
class Flatten(Layer[Any, Any]):
    """(batch, rows, columns) -> (batch, rows * columns): no parameters, registered under its kind."""

    rows: int
    columns: int

    kind: ClassVar[str] = "property_flatten"

    def forward(self, x: Array, *, mode: Mode = EVAL) -> tuple[Array, Any]:
        return x.reshape(x.shape[0], self.rows * self.columns), x.shape

    def backward(self, dy: Array, cache: Any) -> tuple[Array, Self]:
        return dy.reshape(cache), self

    def input_shape(self) -> tuple[int, ...]:
        return (self.rows, self.columns)

    def output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        super().output_shape(input_shape)  # the base class refuses any other input shape
        return (self.rows * self.columns,)

    def config(self) -> dict[str, Any]:
        return {"rows": self.rows, "columns": self.columns}

    def __repr__(self) -> str:
        return f"Flatten({self.rows}x{self.columns})"


@dataclasses.dataclass(frozen=True)
class Gain(Layer[Any, Any]):
    """y = x * gain, one gain per feature: a parameter of shape (width,); not registered for model files."""

    gain: Array

    def forward(self, x: Array, *, mode: Mode = EVAL) -> tuple[Array, Any]:
        return x * self.gain, x

    def backward(self, dy: Array, cache: Any) -> tuple[Array, Self]:
        return dy * self.gain, type(self)(gain=(dy * cache).sum(axis=0))

    def parameters(self) -> tuple[Array, ...]:
        return (self.gain,)

    def parameter_names(self) -> tuple[str, ...]:
        return ("gain",)

    def with_parameters(self, arrays: Sequence[Array]) -> Self:
        (gain,) = arrays
        return type(self)(gain=gain)

    def input_shape(self) -> tuple[int, ...]:
        return (int(self.gain.shape[0]),)

    def __repr__(self) -> str:
        return f"Gain({self.gain.shape[0]})"


@st.composite
def custom_networks(draw: st.DrawFn) -> tuple[Network[Any, Any], Array, Array]:
    """Flatten(rows x columns) -> Dense -> Gain -> an activation -> Dense, float64, with a batch of images."""
    rows, columns, hidden, classes = (draw(st.integers(1, 5)) for _ in range(4))
    rng = np.random.default_rng(draw(seeds))
    first = Dense.init(hidden, rows * columns, rng=rng, dtype=np.float64)
    gain = Gain(gain=rng.uniform(0.5, 1.5, hidden))
    last = Dense.init(classes + 1, hidden, rng=rng, dtype=np.float64)
    network: Network[Any, Any] = Network((Flatten(rows, columns), first, gain, draw(activations), last))
    size = draw(st.integers(1, 6))
    return network, rng.random((size, rows, columns)), rng.integers(0, classes + 1, size=size)


@given(custom_networks(), seeds)
def test_a_user_defined_layer_backpropagates_like_a_built_in_one(
    problem: tuple[Network[Any, Any], Array, Array], seed: int
) -> None:
    """A network holding both layers takes (batch, rows, columns) images, names its layers and sizes, and its
    gradients (the first layer's formed by the protocol's default parameter_gradients) agree with finite
    differences; its input gradient has the images' shape."""
    network, images, labels = problem
    flat, _, gain, activation, last = network.layers
    assert isinstance(flat, Flatten) and isinstance(gain, Gain)
    rows, columns = flat.rows, flat.columns
    assert isinstance(last, Dense) and network.input_shape() == (rows, columns)
    assert network.output_shape() == (last.shape[0],) == (network.classes,)
    assert network.describe() == (
        f"{rows}x{columns} -> Flatten({rows}x{columns}) -> {network.layers[1]!r} -> Gain({gain.gain.size}) -> "
        f"{activation!r} -> {last!r} -> {network.classes}"
    )
    assert network.parameter_names() == ("1.weight", "1.bias", "2.gain", "4.weight", "4.bias")
    report = check_network_gradients(network, images, labels, rng=np.random.default_rng(seed), directions=2)
    assert report.passed, report.summary()
    logits, cache = network.forward(images)
    dx, grads = network.backward(np.ones_like(logits), cache)
    assert dx.shape == images.shape and grads.parameter_names() == network.parameter_names()
    assert network.parameter_gradients(np.ones_like(logits), cache).layers[0] is flat


@given(custom_networks(), seeds)
def test_user_defined_layers_pass_through_trees_and_optimizers(
    problem: tuple[Network[Any, Any], Array, Array], seed: int
) -> None:
    """map_parameters, flatten/unflatten and the optimizers keep the user's layers; an unregistered layer
    needs no registration for any of them; another gain width is another structure."""
    network, images, labels = problem
    batch = Batch.of(images).labelled(labels)
    doubled = map_parameters(lambda p: p * 2, network)
    assert isinstance(doubled.layers[2], Gain) and isinstance(doubled.layers[0], Flatten)
    np.testing.assert_array_equal(flatten(unflatten(flatten(network), like=network)), flatten(network))
    optimizers: tuple[Optimizer[Any], ...] = (Adam(), Momentum(nesterov=True))
    for optimizer in optimizers:
        stepped, state, _ = optimizer.step(network, optimizer.init(network), batch, mode=Mode.train(seed))
        check_same_structure(network, stepped)
        updated, _ = optimizer.update(stepped.loss_and_gradients(batch)[1], state, stepped)
        assert isinstance(updated.layers[2], Gain)
    params = network.parameters()
    width = params[2].size
    other_gain = network.with_parameters([*params[:2], np.ones(width + 1), *params[3:]])
    with pytest.raises(
        ShapeError,
        match=rf"^here: parameter 2.gain is float64\[{width}\] in one tree and float64\[{width + 1}\] in the other$",
    ):
        check_same_structure(network, other_gain, where="here")


@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 5))
def test_a_user_defined_layer_of_the_wrong_shape_is_refused_by_name(rows: int, columns: int, extra: int) -> None:
    """A layer requiring an input shape refuses another one when composed (the protocol's default
    output_shape names the layer and both shapes), and its network refuses images of another shape."""
    flat = Flatten(rows, columns)
    before = Dense.init(rows * columns + extra, 3, rng=np.random.default_rng(0))
    message = re.escape(
        f"Network: layer 1: "
        f"Flatten({rows}x{columns}) takes inputs of shape ({rows}, {columns}), got ({rows * columns + extra},)"
    )
    with pytest.raises(ShapeError, match=f"^{message}$"):
        Network((before, flat))
    network: Network[Any, Any] = Network((flat, Dense.init(2, rows * columns, rng=np.random.default_rng(0))))
    with pytest.raises(
        ShapeError,
        match=rf"^Network.forward: argument 'x' expected float\[batch, {rows}, {columns}\], got float64\[2,{rows},{columns + extra}\]$",
    ):
        network.logits(np.zeros((2, rows, columns + extra)))
    with pytest.raises(
        ShapeError, match=rf"^Dense\(6 -> 4\) takes inputs of width 6, got shape \({rows}, {columns}\)$"
    ):
        Dense.init(4, 6, rng=np.random.default_rng(0)).output_shape((rows, columns))


@given(st.integers(1, 5), st.integers(1, 5))
def test_a_registered_layer_is_saved_and_rebuilt_and_kinds_are_unique(rows: int, columns: int) -> None:
    """A registered layer's description rebuilds it (with its whole network); registering a class twice is
    harmless, but a class without a kind, or a second class under a taken kind, is refused by name; an
    unregistered layer cannot be described for a model file."""
    flat = Flatten(rows, columns)
    assert "property_flatten" in layer_kinds() and {"dense", "relu", "leaky_relu", "tanh", "dropout"} <= set(
        layer_kinds()
    )
    assert register_layer(Flatten) is Flatten
    assert layer_config(flat) == {"kind": "property_flatten", "rows": rows, "columns": columns}
    assert layer_from_config(layer_config(flat), {}) == flat
    network: Network[Any, Any] = Network((flat, Dense.init(2, rows * columns, rng=np.random.default_rng(0)), ReLU()))
    assert network.config() == {"layers": [layer_config(layer) for layer in network.layers]}
    nameless = type("Nameless", (Flatten,), {"kind": ""})
    with pytest.raises(InvalidArgumentError, match=r"^Nameless needs a class attribute kind naming it in model files$"):
        register_layer(nameless)
    numbered = type("Numbered", (Flatten,), {"kind": 7})
    with pytest.raises(InvalidArgumentError, match=r"^Numbered needs a class attribute kind naming it in model files$"):
        register_layer(numbered)
    plain = type("Plain", (), {})
    with pytest.raises(InvalidArgumentError, match=r"^Plain needs a class attribute kind naming it in model files$"):
        register_layer(plain)
    impostor = type("Impostor", (ReLU,), {})
    with pytest.raises(InvalidArgumentError, match=r"^layer kind 'relu' is taken by ReLU$"):
        register_layer(impostor)
    with pytest.raises(InvalidArgumentError, match=r"^Gain is not registered: call register_layer on it first$"):
        layer_config(Gain(gain=np.ones(rows)))
    with pytest.raises(InvalidArgumentError, match=r"^Impostor is not registered: call register_layer on it first$"):
        layer_config(impostor())


@given(st.integers(1, 6), st.integers(2, 4), st.integers(1, 5), seeds)
def test_a_user_defined_first_layer_with_parameters_gets_its_gradient_from_the_protocol(
    width: int, classes: int, size: int, seed: int
) -> None:
    """A network whose first layer is the user's Gain (whose parameter gradient the protocol's default
    parameter_gradients forms through backward, with its cache) has gradients that agree with finite differences."""
    rng = np.random.default_rng(seed)
    network: Network[Any, Any] = Network(
        (Gain(gain=rng.uniform(0.5, 1.5, width)), Dense.init(classes, width, rng=rng, dtype=np.float64))
    )
    images, labels = rng.random((size, width)), rng.integers(0, classes, size=size)
    report = check_network_gradients(network, images, labels, rng=rng, directions=2)
    assert report.passed, report.summary()
