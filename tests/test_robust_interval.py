"""Interval rules of certified training: each layer kind maps a box exactly, and its backward is the gradient."""

import dataclasses
import itertools
from typing import Any, ClassVar

import numpy as np
import pytest

from verified_nn.core import InvalidArgumentError
from verified_nn.layers import Dense, Dropout, LeakyReLU, Mode, ReLU, Tanh
from verified_nn.layers._activation import Activation
from verified_nn.network import mlp
from verified_nn.robust import (
    DENSE_RULE,
    MONOTONE_ACTIVATION,
    interval_backward,
    interval_forward,
    interval_rule,
    register_interval_rule,
)
from verified_nn.robust._interval import _RULES
from verified_nn.verification import check_gradient

Array = np.ndarray[Any, Any]


def _corners(mu: Array, r: Array) -> Array:
    """Every corner of the box of one sample ``(n,)``: ``(2**n, n)``."""
    signs = np.array(list(itertools.product((-1.0, 1.0), repeat=mu.shape[0])))
    corners: Array = mu + signs * r
    return corners


def test_a_dense_box_is_the_exact_image_of_the_input_box(rng: np.random.Generator) -> None:
    layer: Dense[Any, Any] = Dense(weights=rng.standard_normal((5, 4)), bias=rng.standard_normal(5))
    mu, r = rng.standard_normal((1, 4)), rng.random((1, 4))
    center, radius, _ = DENSE_RULE.forward(layer, mu, r, Mode())
    corners: Any = _corners(mu[0], r[0])
    images: Array = layer.forward(corners)[0]  # (16, 5): a linear map's extremes lie at corners
    np.testing.assert_allclose(center[0] + radius[0], images.max(axis=0), rtol=1e-12)
    np.testing.assert_allclose(center[0] - radius[0], images.min(axis=0), rtol=1e-12)


@pytest.mark.parametrize("activation", [ReLU(), LeakyReLU(0.2), Tanh()], ids=repr)
def test_an_activation_box_is_the_image_of_its_ends(activation: Activation, rng: np.random.Generator) -> None:
    mu, r = rng.standard_normal((3, 6)), rng.random((3, 6))
    center, radius, _ = MONOTONE_ACTIVATION.forward(activation, mu, r, Mode())
    np.testing.assert_allclose(center - radius, activation.function(mu - r), atol=1e-15)
    np.testing.assert_allclose(center + radius, activation.function(mu + r), atol=1e-15)
    assert (radius >= 0).all()


def test_dropout_is_refused_with_one_line_saying_what_to_do() -> None:
    with pytest.raises(
        InvalidArgumentError,
        match=r"^certified training does not support dropout \(layer 2, Dropout\(rate=0\.5\)\); train with --dropout 0$",
    ):
        interval_forward(
            (Dense.init(3, 4, rng=np.random.default_rng(0)), ReLU(), Dropout(0.5)), np.ones((1, 4)), np.ones((1, 4))
        )


def _network_box_objective(network: Any, mu: Array, r: Array, a: Array, c: Array) -> tuple[float, Any]:
    top_mu, top_r, caches = interval_forward(network.layers, mu, r)
    return float(np.vdot(a, top_mu) + np.vdot(c, top_r)), caches


@pytest.mark.parametrize("activation", ["relu", "leaky_relu(0.1)", "tanh"])
def test_the_backward_walk_is_the_gradient_of_the_box_with_respect_to_every_parameter(
    activation: str, rng: np.random.Generator
) -> None:
    network = mlp((5, 6, 4, 3), rng=rng, activation=activation, dtype=np.float64)
    mu, r = rng.random((3, 5)), rng.random((3, 5)) * 0.2
    a, c = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    _, caches = _network_box_objective(network, mu, r, a, c)
    grads = interval_backward(network.layers, a, c, caches)
    for index, layer in enumerate(network.layers):
        for position, parameter in enumerate(layer.parameters()):

            def objective(value: Array, index: int = index, position: int = position) -> float:
                arrays = list(network.layers[index].parameters())
                arrays[position] = value
                layers = list(network.layers)
                layers[index] = network.layers[index].with_parameters(arrays)
                return _network_box_objective(network._holding(tuple(layers)), mu, r, a, c)[0]

            report = check_gradient(objective, grads[index].parameters()[position], parameter)
            assert report.passed, f"layer {index} parameter {position}: {report.summary()}"


def test_an_extra_gradient_enters_the_walk_at_the_box_it_belongs_to(rng: np.random.Generator) -> None:
    """``extra[i]`` is the gradient w.r.t. the box entering layer ``i``: the walk adds it below layer ``i``."""
    network = mlp((4, 5, 3), rng=rng, dtype=np.float64)  # Dense, ReLU, Dense
    mu, r = rng.random((2, 4)), rng.random((2, 4)) * 0.3
    extra_mu, extra_r = rng.standard_normal((2, 5)), rng.standard_normal((2, 5))
    zero = np.zeros((2, 3))
    _, caches = _network_box_objective(network, mu, r, zero, zero)
    grads = interval_backward(network.layers, zero, zero, caches, extra={1: (extra_mu, extra_r)})

    def objective(weights: Array) -> float:
        layer = Dense(weights=weights, bias=network.layers[0].bias)  # type: ignore[attr-defined]
        box_mu, box_r, _ = interval_forward((layer,), mu, r)  # the box entering layer 1
        return float(np.vdot(extra_mu, box_mu) + np.vdot(extra_r, box_r))

    first: Dense[Any, Any] = network.layers[0]  # type: ignore[assignment]
    assert check_gradient(objective, grads[0].weights, first.weights).passed
    assert not grads[2].weights.any()  # nothing reached the last layer


@dataclasses.dataclass(frozen=True)
class Square(Activation):
    """Not monotone: no rule is registered for it."""

    kind: ClassVar[str] = "square"

    def function(self, x: Any) -> Any:
        return x * x

    def derivative(self, x: Any, y: Any) -> Any:
        return 2 * x


def test_a_layer_without_a_rule_is_refused_by_name() -> None:
    with pytest.raises(
        InvalidArgumentError,
        match=r"^certified training has no interval rule for layer 3, Square\(\) \(it handles Dense, "
        r"LeakyReLU, ReLU, Tanh; register_interval_rule adds one\)$",
    ):
        interval_rule(Square(), index=3)


def test_a_registered_rule_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    @dataclasses.dataclass(frozen=True)
    class Cube(Activation):
        """Nondecreasing: the monotone rule is sound for it."""

        kind: ClassVar[str] = "cube"

        def function(self, x: Any) -> Any:
            return x**3

        def derivative(self, x: Any, y: Any) -> Any:
            return 3 * x**2

    monkeypatch.setattr("verified_nn.robust._interval._RULES", dict(_RULES))
    register_interval_rule(Cube, MONOTONE_ACTIVATION)
    center, radius, _ = interval_forward((Cube(),), np.array([[1.0]]), np.array([[1.0]]))
    assert (float(center[0, 0] - radius[0, 0]), float(center[0, 0] + radius[0, 0])) == (0.0, 8.0)
    with pytest.raises(InvalidArgumentError, match=r"expected a Layer subclass, got 3"):
        register_interval_rule(3, MONOTONE_ACTIVATION)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match=r"expected an IntervalRule, got str"):
        register_interval_rule(Cube, "monotone")  # type: ignore[arg-type]
