"""Flattening the parameters into one vector of 101,770 numbers (W1 row-major, b1, W2 row-major, b2)."""

from typing import Any, Final, Literal, TypeAlias

import numpy as np

from verified_nn.core import (
    HIDDEN_DIM,
    INPUT_DIM,
    NUM_CLASSES,
    RELU,
    Activation,
    FloatDType,
    Floating,
    as_float_array,
    checked,
)

from ._dense import Dense
from ._mlp import MLP
from ._tree import parameters

PARAMETER_COUNT: Final = HIDDEN_DIM * INPUT_DIM + HIDDEN_DIM + NUM_CLASSES * HIDDEN_DIM + NUM_CLASSES
ParameterCount: TypeAlias = Literal[101770]
ParameterVector: TypeAlias = Floating[np.ndarray[tuple[ParameterCount], FloatDType], "101770"]

BLOCK_SHAPES: Final = ((HIDDEN_DIM, INPUT_DIM), (HIDDEN_DIM,), (NUM_CLASSES, HIDDEN_DIM), (NUM_CLASSES,))


def as_parameter_vector(values: Any, *, dtype: Any = None) -> ParameterVector:
    """Return ``values`` as a parameter vector of shape (101770,): the way in for raw numpy arrays."""
    return as_float_array(values, (PARAMETER_COUNT,), name="as_parameter_vector", dtype=dtype)


@checked
def flatten(mlp: MLP) -> ParameterVector:
    """All parameters as one new vector of length 101,770 in the order W1, b1, W2, b2 (row-major)."""
    return np.concatenate([block.ravel() for block in parameters(mlp)])


@checked
def unflatten(vector: ParameterVector, *, activation: Activation = RELU) -> MLP:
    """The inverse of :func:`flatten`: an MLP whose parameters are read from (a copy of) ``vector``."""
    owned: np.ndarray[Any, Any] = vector.copy()  # the MLP must not change if the caller later writes to ``vector``
    blocks: list[np.ndarray[Any, Any]] = []
    start = 0
    for shape in BLOCK_SHAPES:
        size = int(np.prod(shape))
        blocks.append(owned[start : start + size].reshape(shape))
        start += size
    w1, b1, w2, b2 = blocks
    return MLP(layer1=Dense(weights=w1, bias=b1), layer2=Dense(weights=w2, bias=b2), activation=activation)
