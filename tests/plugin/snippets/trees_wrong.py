"""Gradients, optimizer state and parameter vectors of one network used with another of the same input and
output: mypy alone types both networks alike; with the plugin, mypy names the layers of each."""

import numpy as np

from verified_nn.core import as_image_batch, as_labels
from verified_nn.layers import Dense, ReLU
from verified_nn.network import Batch, Network, flatten, map_parameters, unflatten
from verified_nn.optimizer import SGD, Adam, clip_by_global_norm

rng = np.random.default_rng(0)
small = Network.of(Dense.init(64, 784, rng=rng)).then(ReLU()).then(Dense.init(10, 64, rng=rng))
large = Network((Dense.init(256, 784, rng=rng), ReLU(), Dense.init(10, 256, rng=rng)))
batch = Batch.of(as_image_batch(rng.random((32, 784)))).labelled(as_labels(rng.integers(0, 10, size=32)))
_, grads = large.loss_and_gradients(batch)
SGD().update(grads, SGD().init(small), small)  # E: [shape] "update": the trees differ: params is Network(Dense[64, 784], ReLU, Dense[10, 64]), grads is Network(Dense[256, 784], ReLU, Dense[10, 256])
clipped, _ = clip_by_global_norm(grads, max_norm=1.0)
SGD().update(clipped, SGD().init(small), small)  # E: [shape] "update": the trees differ: params is Network(Dense[64, 784], ReLU, Dense[10, 64]), grads is Network(Dense[256, 784], ReLU, Dense[10, 256])
Adam().step(small, Adam().init(large), batch)  # E: [shape] "step": the trees differ: params is Network(Dense[64, 784], ReLU, Dense[10, 64]), state is for Network(Dense[256, 784], ReLU, Dense[10, 256])
map_parameters(lambda a, b: a - b, small, large)  # E: [shape] "map_parameters": the trees differ: first is Network(Dense[64, 784], ReLU, Dense[10, 64]), tree 1 is Network(Dense[256, 784], ReLU, Dense[10, 256])
unflatten(flatten(large), like=small)  # E: [shape] "unflatten": like is Network(Dense[64, 784], ReLU, Dense[10, 64]) of 50,890 parameters, vector is the 203,530 parameters of Network(Dense[256, 784], ReLU, Dense[10, 256])
layer = Dense.init(64, 784, rng=rng)
SGD().update(layer, SGD().init(layer), small)  # E: [shape] "update": the trees differ: params is Network(Dense[64, 784], ReLU, Dense[10, 64]), grads is Dense[64, 784]
