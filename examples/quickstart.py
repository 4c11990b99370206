"""Quick start: build the network, take one SGD step on a random batch, and check the loss went down."""

import numpy as np

from verified_nn.core import as_image_batch, as_labels
from verified_nn.network import he_init, loss, loss_and_gradients
from verified_nn.optimizer import SGD


def main() -> None:
    rng = np.random.default_rng(0)
    mlp = he_init(rng, dtype=np.float32)
    images = as_image_batch(rng.random((64, 784)), dtype=np.float32)
    labels = as_labels(rng.integers(0, 10, size=64))

    optimizer = SGD(learning_rate=0.1)
    state = optimizer.init(mlp)
    before, gradients = loss_and_gradients(mlp, images, labels)
    mlp, state = optimizer.update(gradients, state, mlp)
    after = loss(mlp, images, labels)
    print(f"loss before {before:.4f}, after one step {after:.4f}")
    assert after < before, "one gradient step on its own batch must lower the loss"


if __name__ == "__main__":
    main()
