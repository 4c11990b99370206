"""A caller passes a 100-element vector where the network expects a 784-pixel image."""

from typing import Literal

import numpy as np

from verified_nn.network import MLP


def classify(mlp: MLP, features: np.ndarray[tuple[Literal[100]], np.dtype[np.float64]]) -> None:
    mlp.forward(features)  # expected error: arg-type
