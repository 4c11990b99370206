"""Certified training's bounds from the core: boxes and margin bounds contain the network (MLPs and CNNs),
their hand-written gradients agree with finite differences through every layer kind, and a layer without
a rule is refused by name."""

import dataclasses
from typing import Any, ClassVar

import numpy as np
import pytest

from verified_nn.bounds import margin_spec
from verified_nn.bounds._train import interval_pass, margin_bound
from verified_nn.core import InvalidArgumentError
from verified_nn.layers import Activation, AvgPool2D, Conv2D, Dense, Flatten, LeakyReLU, MaxPool2D, ReLU, Reshape
from verified_nn.network import Network, mlp
from verified_nn.robust import check_certified_gradients, check_supported, input_box, worst_case_logits

Array = np.ndarray[Any, Any]


def _cnn(rng: np.random.Generator, activation: Any = None) -> Network[Any, Any]:
    act = activation or ReLU()
    return Network(
        (
            Reshape((1, 6, 6)),
            Conv2D.init(3, 1, kernel=3, stride=1, padding=1, rng=rng, dtype=np.float64),
            act,
            MaxPool2D(2),
            Conv2D.init(4, 3, kernel=2, stride=1, rng=rng, dtype=np.float64),
            act,
            AvgPool2D(2, stride=1, padding=1),
            Flatten(),
            Dense.init(5, 4 * 3 * 3, rng=rng, dtype=np.float64),
        )
    )


def test_interval_boxes_contain_the_network_at_random_points(rng: np.random.Generator) -> None:
    network = _cnn(rng)
    images = rng.random((4, 36))
    mu, r = input_box(images, 0.1)
    passed = interval_pass(network.layers, mu, r)
    for _ in range(50):
        value = np.clip(images + rng.uniform(-0.1, 0.1, images.shape), 0, 1)
        for node, layer in enumerate(network.layers):
            box = passed.box(node)
            assert np.all(box.lower <= value + 1e-12) and np.all(value <= box.upper + 1e-12), node
            value = layer.forward(value)[0]


@pytest.mark.parametrize("stop", ["input", "last"])
@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_margin_bounds_bound_the_margins_at_random_points(kind: str, stop: str, rng: np.random.Generator) -> None:
    network: Network[Any, Any] = (
        mlp((8, 10, 6, 4), rng=rng, activation=LeakyReLU(0.1), dtype=np.float64) if kind == "mlp" else _cnn(rng)
    )
    images = rng.random((5, 8 if kind == "mlp" else 36))
    labels = rng.integers(0, network.classes, size=5)
    mu, r = input_box(images, 0.15)
    passed = interval_pass(network.layers, mu, r)
    spec = margin_spec(labels, network.classes, keep_label=True)
    lower, _ = margin_bound(passed, spec, stop=0 if stop == "input" else len(network.layers) - 1)
    for _ in range(100):
        logits = network.logits(np.clip(images + rng.uniform(-0.15, 0.15, images.shape), 0, 1))
        margins = logits[np.arange(5), labels][:, np.newaxis] - logits
        assert np.all(lower <= margins + 1e-12)


@pytest.mark.parametrize("method", ["ibp", "crown-ibp"])
def test_the_certified_gradient_through_convolutions_and_pooling_agrees_with_finite_differences(
    method: str, rng: np.random.Generator
) -> None:
    network = _cnn(rng)
    images, labels = rng.random((3, 36)), rng.integers(0, 5, size=3)
    report = check_certified_gradients(
        network, images, labels, eps=0.05, kappa=0.3, method=method, beta=0.5, rng=rng, coordinates_per_block=4
    )
    assert report.passed, report.summary()


def test_worst_case_logits_of_a_cnn_are_zero_at_the_label_and_bound_the_margins(rng: np.random.Generator) -> None:
    network = _cnn(rng)
    images, labels = rng.random((4, 36)), rng.integers(0, 5, size=4)
    worst = worst_case_logits(network, images, labels, eps=0.05, method="crown-ibp", beta=1.0)
    np.testing.assert_array_equal(worst[np.arange(4), labels], 0)
    logits = network.logits(images)
    assert np.all(logits - logits[np.arange(4), labels][:, np.newaxis] <= worst + 1e-12)


@dataclasses.dataclass(frozen=True)
class Square(Activation):
    """Not monotone: no bound rule follows from it."""

    kind: ClassVar[str] = "square"

    def function(self, x: Any) -> Any:
        return x * x

    def derivative(self, x: Any, y: Any) -> Any:
        return 2 * x


def test_a_layer_without_a_rule_is_refused_by_name(rng: np.random.Generator) -> None:
    network: Network[Any, Any] = Network((Dense.init(3, 4, rng=rng), Square(), Dense.init(2, 3, rng=rng)))
    with pytest.raises(
        InvalidArgumentError, match=r"^certified training: layer 1: Square\(\) does not declare itself nondecreasing"
    ):
        check_supported(network, "ibp")
        worst_case_logits(network, rng.random((1, 4)), np.zeros(1, np.int64), eps=0.1)
