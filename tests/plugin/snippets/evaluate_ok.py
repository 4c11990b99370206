"""The correct twins of ``evaluate_wrong.py``; shapes that are not known are not refused."""

from typing import Any

import numpy as np

from verified_nn.network import Network, cnn, mlp
from verified_nn.training import evaluate

rng = np.random.default_rng(0)
network = mlp((784, 128, 10), rng=rng)
evaluate(network, rng.random((64, 784)), rng.integers(0, 10, size=64))
evaluate(network, images=rng.random((64, 784)), labels=rng.integers(0, 10, size=64))
evaluate(cnn((8,), image=(3, 32, 32), rng=rng), rng.random((5, 3072)), rng.integers(0, 10, size=5))


def unknown(any_network: Network[Any, Any], x: np.ndarray[tuple[int, int], Any], y: np.ndarray[Any, Any]) -> None:
    evaluate(any_network, x, y)
    evaluate(network, x, y)
