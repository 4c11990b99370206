"""A caller builds the output layer from a (10, 100) matrix where the network needs (10, 128)."""

from typing import Literal

import numpy as np

from verified_nn.network import MLP, Dense


def build(
    first: Dense[Literal[128], Literal[784]],
    weights: np.ndarray[tuple[Literal[10], Literal[100]], np.dtype[np.float64]],
    bias: np.ndarray[tuple[Literal[10]], np.dtype[np.float64]],
) -> MLP:
    return MLP(layer1=first, layer2=Dense(weights=weights, bias=bias))  # expected error: arg-type
