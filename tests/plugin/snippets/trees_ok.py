"""The correct twins of ``trees_wrong.py``, and trees whose layers are not all known (compared with nothing)."""

from typing import Any

import numpy as np

from verified_nn.core import as_image_batch, as_labels
from verified_nn.layers import Dense, ReLU
from verified_nn.network import Batch, Network, flatten, map_parameters, unflatten
from verified_nn.optimizer import SGD, Adam, clip_by_global_norm

rng = np.random.default_rng(0)
small = Network.of(Dense.init(64, 784, rng=rng)).then(ReLU()).then(Dense.init(10, 64, rng=rng))
twin = Network((Dense.init(64, 784, rng=rng), ReLU(), Dense.init(10, 64, rng=rng)))  # built another way: alike
batch = Batch.of(as_image_batch(rng.random((32, 784)))).labelled(as_labels(rng.integers(0, 10, size=32)))
loss, grads = small.loss_and_gradients(batch)
SGD().update(grads, SGD().init(small), small)
clipped, _ = clip_by_global_norm(grads, max_norm=1.0)
SGD().update(clipped, SGD().init(twin), twin)
Adam().step(small, Adam().init(small), batch)
map_parameters(lambda a, b: a - b, small, twin)
unflatten(flatten(small), like=twin)
# unflatten compares only how many numbers each holds: layers of the same parameters, arranged otherwise
unflatten(flatten(small), like=Network.of(Dense.init(64, 784, rng=rng)).then(Dense.init(10, 64, rng=rng)))
unflatten(flatten(Dense.init(64, 784, rng=rng)), like=Network.of(Dense.init(64, 784, rng=rng)))
layer = Dense.init(64, 784, rng=rng)
dx, layer_grads = layer.backward(np.zeros((4, 64), np.float32), np.zeros((4, 784), np.float32))
SGD().update(layer_grads, SGD().init(layer), layer)


def sized(hidden: int, loaded: Network[Any, Any]) -> None:
    """A size held in an ``int``, or a network read from a file: its layers are not known, nothing is compared."""
    network = Network.of(Dense.init(hidden, 784, rng=rng)).then(ReLU()).then(Dense.init(10, hidden, rng=rng))
    SGD().update(grads, SGD().init(network), network)
    map_parameters(lambda a, b: a - b, loaded, small)
    unflatten(flatten(loaded), like=small)
