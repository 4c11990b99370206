"""Dtypes the library refuses at run time, passed where mypy alone accepts them: an argument whose type
depends on its context (numpy's stubs fall back to an unknown dtype), float16, and a network's input."""

from typing import Any

import numpy as np

from verified_nn.core import cross_entropy
from verified_nn.network import default_network, flatten, unflatten

rng = np.random.default_rng(0)
network = default_network(rng)


def count(labels: np.ndarray[tuple[int], np.dtype[np.integer[Any]]]) -> int:
    return int(labels.sum())


count(np.zeros(8, dtype=np.float32))  # E: [shape] "count": argument "labels" is float32 where an integer array is declared
cross_entropy(rng.normal(size=(8, 10)), rng.integers(0, 10, size=8).astype(np.float32))  # E: [shape] "cross_entropy": argument "labels" is float32 where an integer array is declared
cross_entropy(rng.normal(size=(8, 10)).astype(np.float16), rng.integers(0, 10, size=8))  # E: [shape] "cross_entropy": argument "logits" is float16 where a float32 or float64 array is declared
network.logits(rng.random((8, 784)).astype(np.float16))  # E: [shape] "logits" of "Network": argument "x" is float16 where float32 or float64 is declared
network.logits(rng.integers(0, 256, size=(8, 784)))  # E: [shape] "logits" of "Network": argument "x" is int64 where float32 or float64 is declared
network.predict(rng.random((8, 784)) > 0.5)  # E: [shape] "predict" of "Network": argument "x" is bool where float32 or float64 is declared
network.probabilities(rng.random((4, 784)) * 1j)  # E: [shape] "probabilities" of "Network": argument "x" is complex where float32 or float64 is declared
unflatten(np.zeros(flatten(network).shape, dtype=np.int64), like=network)  # E: [shape] "unflatten": argument "vector" is int64 where a floating-point array is declared
unflatten(flatten(network).astype(np.float16), like=network)  # E: [shape] "unflatten": argument "vector" is float16 where a float32 or float64 array is declared
