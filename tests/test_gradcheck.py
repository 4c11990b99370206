"""The gradient checker passes correct gradients and fails each kind of wrong one."""

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from verified_nn.core import relu, relu_derivative, softmax
from verified_nn.network import MLP, from_parameters, loss_and_gradients, parameters
from verified_nn.verification import (
    GradientCheckError,
    _network as network_check,
    check_gradient,
    check_jacobian,
    check_network_gradients,
)

Array = np.ndarray[Any, Any]


def _check_with(
    mlp: MLP, batch: tuple[Array, Array], gradient: Callable[..., tuple[float, MLP]], monkeypatch: Any
) -> bool:
    monkeypatch.setattr(network_check, "loss_and_gradients", gradient)
    images, labels = batch
    return check_network_gradients(mlp, images, labels, rng=np.random.default_rng(0)).passed


def _broken(
    change: Callable[[MLP, Array, Array, list[Array]], list[Array]],
) -> Callable[..., tuple[float, MLP]]:
    def gradient(mlp: MLP, images: Array, labels: Array) -> tuple[float, MLP]:
        loss, grads = loss_and_gradients(mlp, images, labels)
        return loss, from_parameters(change(mlp, images, labels, list(parameters(grads))), like=mlp)

    return gradient


def _transposed(mlp: MLP, images: Array, labels: Array, g: list[Array]) -> list[Array]:
    # The weight gradient computed as (h^T dz)^T^T: same numbers, read in the transposed layout.
    g[2] = g[2].T.reshape(g[2].shape)
    return g


def _no_bias(mlp: MLP, images: Array, labels: Array, g: list[Array]) -> list[Array]:
    g[1] = np.zeros_like(g[1])
    return g


def _sign(mlp: MLP, images: Array, labels: Array, g: list[Array]) -> list[Array]:
    g[0] = -g[0]
    return g


def _batch_factor(mlp: MLP, images: Array, labels: Array, g: list[Array]) -> list[Array]:
    return [block * len(labels) for block in g]


def _relu_wrong_for_negatives(mlp: MLP, images: Array, labels: Array, g: list[Array]) -> list[Array]:
    # Recompute the first layer's gradient with a ReLU derivative of 1 (not 0) for negative inputs.
    pre = images @ mlp.layer1.weights.T + mlp.layer1.bias
    hidden = np.maximum(pre, 0)
    logits = hidden @ mlp.layer2.weights.T + mlp.layer2.bias
    d_logits = softmax(logits)
    d_logits[np.arange(len(labels)), labels] -= 1
    d_logits /= len(labels)
    d_pre = (d_logits @ mlp.layer2.weights) * np.where(pre > 0, 1.0, 1.0)
    g[0], g[1] = d_pre.T @ images, d_pre.sum(axis=0)
    return g


def test_the_checker_passes_the_real_gradient(mlp: MLP, batch: tuple[Array, Array]) -> None:
    images, labels = batch
    report = check_network_gradients(mlp, images, labels, rng=np.random.default_rng(0))
    assert report.passed and report.worst_relative_error < 1e-6
    assert report.raise_if_failed() is report


@pytest.mark.parametrize(
    "bug", [_transposed, _no_bias, _sign, _batch_factor, _relu_wrong_for_negatives], ids=lambda f: f.__name__
)
def test_the_checker_fails_a_planted_bug(mlp: MLP, batch: tuple[Array, Array], bug: Any, monkeypatch: Any) -> None:
    assert not _check_with(mlp, batch, _broken(bug), monkeypatch)


def test_a_failed_report_raises_with_its_worst_location(mlp: MLP, batch: tuple[Array, Array], monkeypatch: Any) -> None:
    monkeypatch.setattr(network_check, "loss_and_gradients", _broken(_sign))
    report = check_network_gradients(mlp, *batch, rng=np.random.default_rng(0))
    with pytest.raises(GradientCheckError, match=r"FAILED: worst relative error .* at (W1\[|direction)"):
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
