"""The gradient checker passes correct gradients and fails each kind of wrong one."""

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from planted import NoBiasDense, ReLUWrongForNegatives, SignDense, TransposedDense

from verified_nn.core import ShapeError, relu, relu_derivative, softmax
from verified_nn.layers import Dense, ReLU
from verified_nn.network import Network, backprop, mlp
from verified_nn.verification import (
    GradientCheckError,
    _network as network_check,
    check_gradient,
    check_jacobian,
    check_network_gradients,
    relative_error,
)

Array = np.ndarray[Any, Any]


# Planted bugs: copies of the shipped kernels, each wrong in one way (the dense and ReLU ones are in
# tests/planted.py, shared with the exact proofs' tests).


def _batch_factor(original: Callable[..., Any]) -> Callable[..., Any]:
    def gradient(network: Any, images: Array, labels: Array, **kwargs: Any) -> Any:
        loss, grads = original(network, images, labels, **kwargs)
        return loss, grads.with_parameters([block * len(labels) for block in grads.parameters()])

    return gradient


@pytest.fixture
def square(rng: np.random.Generator) -> tuple[Network[Any, Any], Array, Array]:
    """A network whose hidden layer is square (so a transposed weight gradient keeps its shape), and a batch."""
    network = mlp((16, 16, 16, 4), rng=rng, dtype=np.float64)
    return network, rng.random((6, 16)), rng.integers(0, 4, size=6)


def test_the_checker_passes_the_real_gradient(square: tuple[Network[Any, Any], Array, Array]) -> None:
    network, images, labels = square
    report = check_network_gradients(network, images, labels, rng=np.random.default_rng(0))
    assert report.passed and report.worst_relative_error < 1e-6
    assert report.raise_if_failed() is report


@pytest.mark.parametrize("bug", [TransposedDense, NoBiasDense, SignDense])
def test_the_checker_fails_a_planted_dense_bug(
    square: tuple[Network[Any, Any], Array, Array], bug: type[Dense[Any, Any]]
) -> None:
    network, images, labels = square
    layers = list(network.layers)
    middle = layers[2]
    assert isinstance(middle, Dense)
    layers[2] = bug(weights=middle.weights, bias=middle.bias)
    assert not check_network_gradients(Network(tuple(layers)), images, labels, rng=np.random.default_rng(0)).passed


def test_the_checker_fails_a_relu_derivative_wrong_for_negatives(
    square: tuple[Network[Any, Any], Array, Array],
) -> None:
    network, images, labels = square
    layers = [ReLUWrongForNegatives() if isinstance(layer, ReLU) else layer for layer in network.layers]
    assert not check_network_gradients(Network(tuple(layers)), images, labels, rng=np.random.default_rng(0)).passed


def test_the_checker_fails_a_gradient_off_by_the_batch_size(
    square: tuple[Network[Any, Any], Array, Array], monkeypatch: pytest.MonkeyPatch
) -> None:
    network, images, labels = square
    monkeypatch.setattr(network_check, "backprop", _batch_factor(backprop))
    assert not check_network_gradients(network, images, labels, rng=np.random.default_rng(0)).passed


def test_a_failed_report_raises_with_its_worst_location(square: tuple[Network[Any, Any], Array, Array]) -> None:
    network, images, labels = square
    layers = list(network.layers)
    first = layers[0]
    assert isinstance(first, Dense)
    layers[0] = SignDense(weights=first.weights, bias=first.bias)
    report = check_network_gradients(Network(tuple(layers)), images, labels, rng=np.random.default_rng(0))
    with pytest.raises(GradientCheckError, match=r"FAILED: worst relative error .* at (0\.weight\[|direction)"):
        report.raise_if_failed()


def test_check_gradient_entrywise_and_by_directions() -> None:
    x = np.linspace(-1.0, 2.0, 7)

    def f(v: Array) -> float:
        return float(np.sum(np.sin(v) * v))

    good = np.cos(x) * x + np.sin(x)
    assert check_gradient(f, good, x).passed
    assert check_gradient(f, good, x, directions=5, rng=np.random.default_rng(1)).passed
    assert not check_gradient(f, good + 1e-3, x).passed
    assert not check_gradient(f, -good, x, directions=5, rng=np.random.default_rng(1)).passed


def test_check_jacobian_of_relu_and_softmax() -> None:
    x = np.array([-1.5, -0.3, 0.4, 2.0])
    assert check_jacobian(relu, np.diag(relu_derivative(x)), x).passed
    p = softmax(x)
    assert check_jacobian(softmax, np.diag(p) - np.outer(p, p), x).passed
    assert not check_jacobian(softmax, np.diag(p) - np.outer(p, p).T * 0.9, x).passed


def test_relative_error_refuses_shapes_that_would_broadcast() -> None:
    with pytest.raises(ShapeError, match=r"relative_error: shapes differ: \(3, 1\) \(analytic\) and \(4,\)"):
        relative_error(np.zeros((3, 1)), np.zeros(4))
    assert relative_error(np.ones(3), np.ones(3)).shape == (3,)
    assert relative_error(np.ones(3), 1.0).shape == (3,)  # a scalar compares with every entry
