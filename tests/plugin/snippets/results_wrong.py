"""A network's results are floating arrays of the argument's batch size: labels taken from probabilities
are refused (with numpy 2.5's stubs mypy alone sees the dtype too; with 2.4's only with the plugin)."""

import numpy as np

from verified_nn.core import as_image_batch
from verified_nn.network import Batch, default_network

rng = np.random.default_rng(0)
network = default_network(rng)
images = as_image_batch(rng.random((4, 784)))
Batch.of(images).labelled(network.probabilities(images).max(axis=1))  # E: [arg-type] Argument 1 to "labelled" of "Unlabelled" has incompatible type "ndarray[tuple[Literal[4]], dtype[floating[Any]]]"; expected "ndarray[tuple[Literal[4]], dtype[integer[Any]]]"
Batch.of(images).labelled(network.predict(images)[:2])  # E: [arg-type] Argument 1 to "labelled" of "Unlabelled" has incompatible type "ndarray[tuple[Literal[2]], dtype[integer[Any]]]"; expected "ndarray[tuple[Literal[4]], dtype[integer[Any]]]"
