"""The exact real forward pass: each layer's rule evaluates it on integers scaled by a power of two.

``verified_nn.bounds`` holds the arithmetic (``Scaled``): every finite float is ``m 2^e``, so an array of floats
is exactly ``M 2^-S`` for Python integers ``M`` and one shift ``S``, and products, sums, maxima and the ReLU
family keep that form. Each layer's rule runs the layer's own forward pass on such integers; a layer whose
value is not rational (tanh, sigmoid) stops the pass (``NotRationalError``) and the ball pass takes over.
"""

from typing import Any

import numpy as np

from verified_nn.bounds import Scaled, rule_for, scaled
from verified_nn.core import checked
from verified_nn.network import Network

from ._arrays import Inputs

Array = np.ndarray[Any, Any]


def exact_values(network: Network[Any, Any], inputs: Array, *, stop: int | None = None) -> Scaled:
    """The real values of node ``stop`` (default: the output) at ``inputs`` in the network's dtype, exactly."""
    current = scaled(np.asarray(inputs, dtype=network.dtype))
    for index, layer in enumerate(network.layers[:stop]):
        current = rule_for(layer, index=index).exact(layer, current)
    return current


@checked
def exact_logits(network: Network[Any, Any], inputs: Inputs) -> Scaled:
    """The real logits ``(batch, classes)`` of ``network`` on ``inputs`` (the exact values of the floats)."""
    return exact_values(network, inputs)


def exact_classes(logits: Scaled) -> tuple[Array, Array]:
    """``(classes, ties)``, both ``(batch,)``: the first index of the exact maximum, and whether it is shared."""
    rows: list[list[int]] = logits.values.tolist()  # one shift for all: compare the integers
    classes = np.array([row.index(max(row)) for row in rows], dtype=np.int64)
    ties = np.array([row.count(max(row)) > 1 for row in rows], dtype=bool)
    return classes, ties
