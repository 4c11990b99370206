"""``Normalize``'s constants that cannot broadcast to a sample (a ShapeError at run time): ``Normalize`` is a
``Layer[Any, Any]`` to mypy, so only the plugin, which keeps the constants' shape, sees it."""

import numpy as np

from verified_nn.layers import EVAL, Normalize

rng = np.random.default_rng(0)
flat = Normalize(shape=(784,), shift=(0.1307,) * 784, scale=(0.3081,) * 784)
flat.forward(rng.random((8, 28, 28)), mode=EVAL)  # E: [shape] "forward" of "Normalize": constants of shape (784,) do not broadcast to a sample of (28, 28) (x: (8, 28, 28))
per_channel = Normalize(shape=(3, 1, 1), shift=(0.5,) * 3, scale=(0.2,) * 3)
per_channel.forward(rng.random((8, 4, 32, 32)))  # E: [shape] "forward" of "Normalize": constants of shape (3, 1, 1) do not broadcast to a sample of (4, 32, 32) (x: (8, 4, 32, 32))
per_channel.forward(rng.random((8, 32, 32)))  # E: [shape] "forward" of "Normalize": constants of shape (3, 1, 1) do not broadcast to a sample of (32, 32) (x: (8, 32, 32))
