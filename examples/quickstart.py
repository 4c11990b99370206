"""Quick start: compose a network, take one SGD step on a random batch, and check the loss went down."""

from typing import Literal

import numpy as np

from verified_nn.core import Dim, as_image_batch, as_labels
from verified_nn.layers import Dense, ReLU
from verified_nn.network import Batch, Network
from verified_nn.optimizer import SGD

PIXELS, HIDDEN, CLASSES = Dim[Literal[784]](), Dim[Literal[128]](), Dim[Literal[10]]()


def main() -> None:
    rng = np.random.default_rng(0)
    network = (
        Network.of(Dense.init(HIDDEN, PIXELS, rng=rng))  # mypy: Dense[Literal[128], Literal[784]]
        .then(ReLU())
        .then(Dense.init(CLASSES, HIDDEN, rng=rng))  # its input must be the 128 before it
    )
    images = as_image_batch(rng.random((64, 784)), dtype=np.float32)
    batch = Batch.of(images).labelled(as_labels(rng.integers(0, 10, size=64)))

    optimizer = SGD(learning_rate=0.1)
    state = optimizer.init(network)
    before, gradients = network.loss_and_gradients(batch)
    network, state = optimizer.update(gradients, state, network)
    after = network.loss(batch)
    print(f"{network.describe()}")
    print(f"loss before {before:.4f}, after one step {after:.4f}")
    assert after < before, "one gradient step on its own batch must lower the loss"


if __name__ == "__main__":
    main()
