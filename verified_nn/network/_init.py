"""He initialisation of the MLP from a seeded numpy Generator."""

from typing import Any

import numpy as np

from verified_nn.core import HIDDEN_DIM, INPUT_DIM, NUM_CLASSES, RELU, Activation, InvalidArgumentError

from ._dense import Dense
from ._mlp import MLP

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def float_dtype(dtype: Any) -> np.dtype[Any]:
    """``dtype`` as a numpy dtype, which must be float32 or float64."""
    resolved: np.dtype[Any] = np.dtype(dtype)
    if resolved not in FLOAT_DTYPES:
        raise InvalidArgumentError(f"dtype must be float32 or float64, got {resolved}")
    return resolved


def _he_layer(rng: np.random.Generator, out: int, fan_in: int, dtype: np.dtype[Any]) -> Dense[Any, Any]:
    # He et al. (2015): W ~ N(0, 2 / fan_in) keeps the variance of ReLU activations constant per layer.
    weights = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(out, fan_in)).astype(dtype)
    return Dense(weights=weights, bias=np.zeros(out, dtype=dtype))


def he_init(rng: np.random.Generator, *, dtype: Any = np.float32, activation: Activation = RELU) -> MLP:
    """A new 784 -> 128 -> 10 network: weights drawn N(0, 2 / fan_in) from ``rng``, biases zero.

    The same seed gives the same network, in either dtype.
    """
    resolved = float_dtype(dtype)
    return MLP(
        layer1=_he_layer(rng, HIDDEN_DIM, INPUT_DIM, resolved),
        layer2=_he_layer(rng, NUM_CLASSES, HIDDEN_DIM, resolved),
        activation=activation,
    )
