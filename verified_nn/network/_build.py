"""Building networks: a multilayer perceptron of any widths, and the default 784 -> 128 -> 10 network."""

import itertools
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from verified_nn.core import ClassDim, Dim, Features, InputDim, InvalidArgumentError, size_of
from verified_nn.layers import Activation, Dense, Dropout, Layer, activation_named
from verified_nn.layers._layer import FLOAT_DTYPES

from ._network import Network

INPUT: Dim[InputDim] = Dim[Literal[784]]()
HIDDEN: Dim[Literal[128]] = Dim[Literal[128]]()
CLASSES: Dim[ClassDim] = Dim[Literal[10]]()

DefaultNetwork = Network[Features[ClassDim], Features[InputDim]]


def float_dtype(dtype: Any) -> np.dtype[Any]:
    """``dtype`` as a numpy dtype, which must be float32 or float64."""
    resolved: np.dtype[Any] = np.dtype(dtype)
    if resolved not in FLOAT_DTYPES:
        raise InvalidArgumentError(f"dtype must be float32 or float64, got {resolved}")
    return resolved


def _activation(activation: str | Activation) -> Activation:
    if isinstance(activation, Activation):
        return activation
    return activation_named(activation)


def mlp(
    sizes: Sequence[int],
    *,
    rng: np.random.Generator,
    activation: str | Activation = "relu",
    dropout: float = 0.0,
    dtype: Any = np.float32,
) -> Network[Any, Any]:
    """A multilayer perceptron ``sizes[0] -> sizes[1] -> ... -> sizes[-1]``.

    Dense layers alternate with ``activation`` (a name or a layer), followed by ``Dropout(dropout)``
    when ``dropout > 0``; the last dense layer has neither. Weights are drawn from ``rng`` layer by
    layer (He for the ReLU family, Glorot for tanh: the activation's ``init_scheme``), biases are zero.
    ``mlp((784, 128, 10), rng=default_rng(seed))`` is the default network.
    """
    widths = [size_of(size, name=f"sizes[{index}]") for index, size in enumerate(sizes)]
    if len(widths) < 2:
        raise InvalidArgumentError(f"an MLP needs at least an input and an output size, got {list(sizes)}")
    act = _activation(activation)
    resolved = float_dtype(dtype)
    layers: list[Layer[Any, Any]] = []
    for index, (fan_in, fan_out) in enumerate(itertools.pairwise(widths)):
        last = index == len(widths) - 2
        scheme = "he" if last else act.init_scheme
        layers.append(Dense.init(fan_out, fan_in, rng=rng, dtype=resolved, scheme=scheme))
        if not last:
            layers.append(act)
            if dropout > 0:
                layers.append(Dropout(dropout))
    return Network(tuple(layers))


def default_network(
    rng: np.random.Generator, *, dtype: Any = np.float32, activation: str | Activation = "relu"
) -> DefaultNetwork:
    """The Lean project's network, 784 -> 128 -> ReLU -> 10, He-initialised from ``rng``; typed for mypy."""
    act = _activation(activation)
    resolved = float_dtype(dtype)
    first = Dense.init(HIDDEN, INPUT, rng=rng, dtype=resolved, scheme=act.init_scheme)
    return Network.of(first).then(act).then(Dense.init(CLASSES, HIDDEN, rng=rng, dtype=resolved))
