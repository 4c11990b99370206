"""The correct twins of ``normalize_wrong.py``, and constants of a shape not known (checked at run time)."""

import numpy as np

from verified_nn.layers import EVAL, Normalize

rng = np.random.default_rng(0)
flat = Normalize(shape=(784,), shift=(0.1307,) * 784, scale=(0.3081,) * 784)
flat.forward(rng.random((8, 784)), mode=EVAL)
per_channel = Normalize(shape=(3, 1, 1), shift=(0.5,) * 3, scale=(0.2,) * 3)
per_channel.forward(rng.random((8, 3, 32, 32)))
Normalize(shape=(), shift=(0.5,), scale=(0.2,)).forward(rng.random((8, 32, 32)))


def sized(shape: tuple[int, ...]) -> None:
    Normalize(shape=shape, shift=(0.5,), scale=(0.2,)).forward(rng.random((8, 32, 32)))
