"""Extending verified-nn without touching it: a new activation, a new layer with parameters, a deeper
network built from them; the gradient checker confirms each derivative before the network trains.

Fetches MNIST on first use.
"""

import dataclasses
import tempfile
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal, Self

import numpy as np

from verified_nn.core import Dim
from verified_nn.layers import EVAL, Activation, Dense, Layer, Mode, ReLU, ShapePreserving, register_layer
from verified_nn.network import Network
from verified_nn.training import TrainConfig, load_model, train
from verified_nn.verification import check_jacobian, check_network_gradients

Array = np.ndarray[Any, Any]


@register_layer
@dataclasses.dataclass(frozen=True)
class Softplus(Activation):
    """``log(1 + e^x)``, a smooth ReLU; its derivative is the logistic function ``1 / (1 + e^-x)``."""

    kind: ClassVar[str] = "softplus"
    smooth: ClassVar[bool] = True

    def function(self, x: Array) -> Array:
        result: Array = np.logaddexp(0, x)
        return result

    def derivative(self, x: Array, y: Array) -> Array:
        result: Array = np.exp(-np.logaddexp(0, -x))
        return result


@register_layer
@dataclasses.dataclass(frozen=True, eq=False)
class Scale(Layer[Any, Any], ShapePreserving):
    """A learned per-feature scale and shift, ``y = x * gamma + beta`` (the affine half of a normalisation)."""

    gamma: Array  # (width,)
    beta: Array  # (width,)

    kind: ClassVar[str] = "scale"

    def forward(self, x: Array, *, mode: Mode = EVAL) -> tuple[Array, Array]:
        return x * self.gamma + self.beta, x  # (batch, width); the cache is the input

    def backward(self, dy: Array, cache: Array) -> tuple[Array, Self]:
        # dx = dy * gamma; d gamma = sum_batch dy * x; d beta = sum_batch dy
        return dy * self.gamma, type(self)((dy * cache).sum(axis=0), dy.sum(axis=0))

    def parameters(self) -> tuple[Array, Array]:
        return (self.gamma, self.beta)

    def parameter_names(self) -> tuple[str, str]:
        return ("gamma", "beta")

    def with_parameters(self, arrays: Sequence[Array]) -> Self:
        return type(self)(*arrays)

    def input_shape(self) -> tuple[int, ...]:
        return (int(self.gamma.shape[0]),)

    def __repr__(self) -> str:
        return f"Scale({self.gamma.shape[0]})"

    @classmethod
    def from_config(cls, settings: dict[str, Any], parameters: Mapping[str, Array]) -> Self:
        return cls(parameters["gamma"], parameters["beta"])


def main() -> None:
    rng = np.random.default_rng(0)

    # 1. The activation's derivative, entry by entry, against finite differences.
    z = np.linspace(-3.0, 3.0, 7)
    softplus = Softplus()
    report = check_jacobian(softplus.function, np.diag(softplus.derivative(z, softplus.function(z))), z)
    print(f"softplus derivative:  {report.summary()}")
    report.raise_if_failed()

    # 2. A deeper network with both new layers; its sizes are typed, so mypy checks the composition.
    pixels, wide, narrow, classes = Dim[Literal[784]](), Dim[Literal[256]](), Dim[Literal[64]](), Dim[Literal[10]]()
    network = (
        Network.of(Dense.init(wide, pixels, rng=rng))
        .then(Softplus())
        .then(Scale(np.ones(256, np.float32), np.zeros(256, np.float32)))
        .then(Dense.init(narrow, wide, rng=rng))
        .then(ReLU())
        .then(Dense.init(classes, narrow, rng=rng))
    )
    print(network.describe())

    # 3. Backprop through all of it against finite differences, in float64, with a non-trivial Scale.
    wide64 = network.astype(np.float64)
    layers = list(wide64.layers)
    layers[2] = Scale(rng.normal(1.0, 0.3, 256), rng.normal(0.0, 0.1, 256))
    report = check_network_gradients(Network(tuple(layers)), rng.random((8, 784)), rng.integers(0, 10, 8), rng=rng)
    print(f"network gradients:    {report.summary()}")
    report.raise_if_failed()

    # 4. Train it with the library's trainer, save it, and load it back: the registered kinds round-trip.
    config = TrainConfig(epochs=2, optimizer="adam", learning_rate=3e-3, seed=0)
    with tempfile.TemporaryDirectory() as scratch:
        result = train(config, network=network, out_dir=scratch, log_dir=scratch, name="custom", echo=False)
        loaded = load_model(result.best_path).network
    assert [type(layer) for layer in loaded.layers] == [type(layer) for layer in network.layers]
    print(f"trained 2 epochs: test accuracy {result.best.test_accuracy:.2%} (model reloaded: {loaded.describe()})")
    assert result.best.test_accuracy >= 0.96, "two epochs of Adam should reach 96%"


if __name__ == "__main__":
    main()
