"""The same calls with the right shapes: mypy accepts them."""

from typing import Literal

import numpy as np

from verified_nn.core import Probabilities, as_image
from verified_nn.network import MLP, Dense, he_init


def classify(mlp: MLP, pixels: np.ndarray[tuple[Literal[784]], np.dtype[np.float64]]) -> Probabilities:
    return mlp.forward(pixels)


def build(
    first: Dense[Literal[128], Literal[784]],
    weights: np.ndarray[tuple[Literal[10], Literal[128]], np.dtype[np.float64]],
    bias: np.ndarray[tuple[Literal[10]], np.dtype[np.float64]],
) -> MLP:
    return MLP(layer1=first, layer2=Dense(weights=weights, bias=bias))


def from_raw_numpy() -> Probabilities:
    mlp = he_init(np.random.default_rng(0))
    return mlp.forward(as_image(np.zeros(784)))
