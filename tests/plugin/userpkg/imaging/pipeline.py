"""Uses of the filters, with two mistakes the plugin finds."""

import numpy as np

from .filters import batch_means, gram, normalise

rng = np.random.default_rng(0)
image = normalise(rng.random((32, 48)))
features = rng.random((16, 1024))
style = gram(features)
means = batch_means(rng.random((8, 32, 32)))
centred = rng.random((8, 32, 32)) - means  # a mistake: (8, 32, 32) - (8,) aligns 8 with the last axis
correlated = style @ rng.random((8, 16))  # a mistake: (16, 16) @ (8, 16)
