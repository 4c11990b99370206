"""Extending the network with a new activation: write it with its derivative, let the gradient
checker confirm the derivative (elementwise, then through the whole network), then train with it.

Fetches MNIST on first use.
"""

from typing import Any

import numpy as np

from verified_nn.core import Activation, as_image_batch, as_labels
from verified_nn.data import load
from verified_nn.network import he_init
from verified_nn.optimizer import Momentum
from verified_nn.training import evaluate
from verified_nn.verification import check_jacobian, check_network_gradients

SLOPE = 0.05
Array = np.ndarray[Any, Any]


def leaky(z: Array) -> Array:
    """z for z > 0, SLOPE * z otherwise."""
    result: Array = np.where(z > 0, z, SLOPE * z)
    return result


def leaky_derivative(z: Array) -> Array:
    """1 for z > 0, SLOPE otherwise (at the kink we take SLOPE, a one-sided derivative)."""
    result: Array = np.where(z > 0, 1.0, SLOPE).astype(z.dtype)
    return result


def main() -> None:
    rng = np.random.default_rng(0)

    # 1. The derivative, checked elementwise (away from the kink at 0) against finite differences.
    z = np.array([-2.0, -0.7, -0.1, 0.3, 1.5])
    elementwise = check_jacobian(leaky, np.diag(leaky_derivative(z)), z)
    print(f"elementwise derivative: {elementwise.summary()}")
    elementwise.raise_if_failed()

    # 2. Through the whole network: backprop with the new activation against finite differences.
    activation = Activation(name="leaky_relu(0.05)", function=leaky, derivative=leaky_derivative)
    mlp = he_init(rng, dtype=np.float64, activation=activation)
    images, labels = rng.random((16, 784)), rng.integers(0, 10, size=16)
    network = check_network_gradients(mlp, images, labels, rng=rng)
    print(f"network gradients:      {network.summary()}")
    network.raise_if_failed()

    # 3. Train with it: two epochs of momentum SGD over MNIST, written out step by step.
    train, test = load("mnist", "train"), load("mnist", "test")
    mlp = he_init(rng, dtype=np.float32, activation=activation)
    optimizer = Momentum(learning_rate=0.05, momentum=0.9)
    state = optimizer.init(mlp)
    for epoch in range(1, 3):
        order = np.random.default_rng([0, epoch]).permutation(len(train))
        for start in range(0, len(order), 64):
            chosen = order[start : start + 64]
            batch = as_image_batch(train.images[chosen])
            mlp, state, loss = optimizer.step(mlp, state, batch, as_labels(train.labels[chosen]))
        accuracy = evaluate(mlp, test.images, test.labels).accuracy
        print(f"epoch {epoch}: last batch loss {loss:.4f}, test accuracy {accuracy:.2%}")
    assert accuracy >= 0.95, "two epochs with the leaky activation should reach 95%"


if __name__ == "__main__":
    main()
