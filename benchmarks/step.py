"""One float32 SGD step on a batch of 64: verified-nn (runtime checks on) against plain numpy.

Run: ``python -m benchmarks.step``. Prints microseconds per step and the ratio ours / plain
(below 1.0 means ours is faster). The plain version is the same maths written the obvious way, on
row-major arrays; verified-nn stores weights column-major, which makes both large products faster.
"""

from typing import Any

import numpy as np

from benchmarks._timing import interleaved_medians
from verified_nn.core import RUNTIME_CHECKS, as_image_batch, as_labels
from verified_nn.network import Batch, Network, default_network, parameters
from verified_nn.optimizer import SGD

Array = np.ndarray[Any, Any]
BATCH = 64
RATE = 0.01


def plain_step(params: list[Array], x: Array, y: Array) -> tuple[list[Array], float]:
    """The network's forward, backward and SGD update in straightforward numpy."""
    w1, b1, w2, b2 = params
    n = x.shape[0]
    z1 = x @ w1.T + b1
    h = np.maximum(z1, 0)
    z2 = h @ w2.T + b2
    z2 = z2 - z2.max(axis=1, keepdims=True)
    p = np.exp(z2)
    p /= p.sum(axis=1, keepdims=True)
    loss = float(-np.log(p[np.arange(n), y]).mean())
    dz2 = p.copy()
    dz2[np.arange(n), y] -= 1
    dz2 /= n
    dw2 = dz2.T @ h
    db2 = dz2.sum(axis=0)
    dz1 = (dz2 @ w2) * (z1 > 0)
    dw1 = dz1.T @ x
    db1 = dz1.sum(axis=0)
    grads = [dw1, db1, dw2, db2]
    return [p_ - RATE * g for p_, g in zip(params, grads, strict=True)], loss


def main() -> None:
    rng = np.random.default_rng(0)
    network = default_network(rng, dtype=np.float32)
    images = as_image_batch(rng.random((BATCH, 784)), dtype=np.float32)
    labels = as_labels(rng.integers(0, 10, size=BATCH))
    batch = Batch.of(images).labelled(labels)
    optimizer = SGD(learning_rate=RATE)
    state = optimizer.init(network)
    # The straightforward version keeps its arrays in numpy's default row-major layout.
    plain = [np.ascontiguousarray(block) for block in parameters(network)]

    def ours() -> Network[Any, Any]:
        return optimizer.step(network, state, batch)[0]

    new_ours = ours()
    new_plain, _ = plain_step(plain, images, labels)
    for mine, theirs in zip(parameters(new_ours), new_plain, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-7)

    medians = interleaved_medians(
        {"verified-nn": ours, "plain numpy": lambda: plain_step(plain, images, labels)}, rounds=400, calls=10
    )
    print(f"one SGD step, batch {BATCH}, float32, runtime checks {'on' if RUNTIME_CHECKS else 'off'}")
    for name, seconds in medians.items():
        print(f"  {name:<12} {seconds * 1e6:8.1f} us/step")
    print(f"  ratio verified-nn / plain numpy: {medians['verified-nn'] / medians['plain numpy']:.3f}")


if __name__ == "__main__":
    main()
