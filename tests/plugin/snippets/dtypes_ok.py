"""The correct twins of ``dtypes_wrong.py``."""

from typing import Any

import numpy as np

from verified_nn.core import as_image_batch, cross_entropy
from verified_nn.network import Batch, default_network, flatten, unflatten

rng = np.random.default_rng(0)
network = default_network(rng)


def count(labels: np.ndarray[tuple[int], np.dtype[np.integer[Any]]]) -> int:
    return int(labels.sum())


def any_dtype(dtype: Any) -> None:
    network.logits(rng.random((8, 784)).astype(dtype))  # unknown: checked at run time


count(np.zeros(8, dtype=np.int64))
cross_entropy(rng.normal(size=(8, 10)), rng.integers(0, 10, size=8).astype(np.int32))
cross_entropy(rng.normal(size=(8, 10)).astype(np.float32), rng.integers(0, 10, size=8))
network.logits(rng.random((8, 784)).astype(np.float32))
network.logits(rng.integers(0, 256, size=(8, 784)) / 255.0)
network.predict(np.zeros((4, 784), dtype=np.float64))
unflatten(np.zeros(flatten(network).shape, dtype=np.float32), like=network)
unflatten(flatten(network).astype(np.float64), like=network)
images = as_image_batch(rng.random((4, 784)))
Batch.of(images).labelled(network.probabilities(images).argmax(axis=1))
