"""The MLP as a fixed sequence of four parameter arrays: W1, b1, W2, b2."""

from collections.abc import Callable
from typing import Any

import numpy as np

from verified_nn.core import checked

from ._dense import Dense
from ._mlp import MLP

Array = np.ndarray[Any, Any]
BLOCK_NAMES = ("W1", "b1", "W2", "b2")


def parameters(mlp: MLP) -> tuple[Array, Array, Array, Array]:
    """The four parameter arrays in the canonical order W1 (128, 784), b1 (128,), W2 (10, 128), b2 (10,)."""
    return (mlp.layer1.weights, mlp.layer1.bias, mlp.layer2.weights, mlp.layer2.bias)


def from_parameters(arrays: tuple[Array, Array, Array, Array] | list[Array], like: MLP) -> MLP:
    """An MLP with ``like``'s activation from four arrays our own code computed (unchecked, hot path)."""
    w1, b1, w2, b2 = arrays
    return MLP.trusted(Dense.trusted(w1, b1), Dense.trusted(w2, b2), like.activation)


def map_parameters(function: Callable[..., Array], first: MLP, *rest: MLP) -> MLP:
    """Apply ``function`` blockwise to the parameters of one or more MLPs; a new MLP like ``first``."""
    blocks = zip(parameters(first), *(parameters(other) for other in rest), strict=True)
    return from_parameters([function(*arrays) for arrays in blocks], like=first)


@checked
def global_norm(tree: MLP) -> float:
    """The Euclidean norm of all parameters (or gradients) taken together as one vector."""
    return float(np.sqrt(sum(float(np.vdot(block, block)) for block in parameters(tree))))
