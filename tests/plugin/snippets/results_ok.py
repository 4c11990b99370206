"""The correct twins of ``results_wrong.py``: labels are the predicted classes of every image."""

from typing import Any, Literal, assert_type

import numpy as np

from verified_nn.core import as_image_batch
from verified_nn.network import Batch, default_network

rng = np.random.default_rng(0)
network = default_network(rng)
images = as_image_batch(rng.random((4, 784)))
Batch.of(images).labelled(network.probabilities(images).argmax(axis=1))
Batch.of(images).labelled(network.predict(images))
assert_type(network.probabilities(images), np.ndarray[tuple[Literal[4], Literal[10]], np.dtype[np.floating[Any]]])
