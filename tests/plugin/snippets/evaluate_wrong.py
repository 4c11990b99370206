"""``evaluate(network, images, labels)`` fed images of another width than the network takes, or labels of
another batch size than the images: with the plugin, mypy names the sizes (each a ShapeError at run time)."""

import numpy as np

from verified_nn.network import cnn, mlp
from verified_nn.training import evaluate

rng = np.random.default_rng(0)
network = mlp((784, 128, 10), rng=rng)
evaluate(network, rng.random((64, 100)), rng.integers(0, 10, size=64))  # E: [shape] "evaluate": the network takes samples of (784,), the images are (64, 100)
evaluate(network, rng.random((64, 784)), rng.integers(0, 10, size=32))  # E: [shape] "evaluate": one label per image: images (64, 784), labels (32,)
evaluate(network, images=rng.random((64, 784)), labels=rng.integers(0, 10, size=(64, 1)))  # E: [shape] "evaluate": one label per image: images (64, 784), labels (64, 1)
evaluate(cnn((8,), image=(3, 32, 32), rng=rng), rng.random((5, 784)), rng.integers(0, 10, size=5))  # E: [shape] "evaluate": the network takes samples of (3072,), the images are (5, 784)
