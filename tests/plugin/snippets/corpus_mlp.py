"""Corpus: a two-layer network written in plain numpy with its shapes in every signature.

Forward and backward passes, softmax and cross-entropy, and an SGD step generic in the batch size B.
The plugin checks every product, sum and broadcast in these bodies; it must find nothing wrong.
"""

from typing import Any, Literal, NamedTuple, TypeVar

import numpy as np

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=tuple[int, ...])
In = Literal[784]
Hidden = Literal[128]
Classes = Literal[10]
F = np.dtype[np.float64]
Labels = np.ndarray[tuple[B], np.dtype[np.int64]]


class Params(NamedTuple):
    w1: np.ndarray[tuple[Hidden, In], F]
    b1: np.ndarray[tuple[Hidden], F]
    w2: np.ndarray[tuple[Classes, Hidden], F]
    b2: np.ndarray[tuple[Classes], F]


def init(rng: np.random.Generator) -> Params:
    """He initialisation; the shapes come from the literal sizes."""
    w1 = rng.normal(0.0, np.sqrt(2.0 / 784), size=(128, 784))
    w2 = rng.normal(0.0, np.sqrt(2.0 / 128), size=(10, 128))
    return Params(w1=w1, b1=np.zeros(128), w2=w2, b2=np.zeros(10))


def relu(z: np.ndarray[S, F]) -> np.ndarray[S, np.dtype[Any]]:
    return np.maximum(z, 0.0)


def relu_derivative(z: np.ndarray[S, F]) -> np.ndarray[S, np.dtype[Any]]:
    return (z > 0).astype(np.float64)


def softmax(z: np.ndarray[tuple[B, Classes], F]) -> np.ndarray[tuple[B, Classes], F]:
    """Row-wise softmax, shifted by the row maximum for stability."""
    shifted = z - z.max(axis=1, keepdims=True)  # (B, 10)
    e = np.exp(shifted)  # (B, 10)
    return e / e.sum(axis=1, keepdims=True)


def log_softmax(z: np.ndarray[tuple[B, Classes], F]) -> np.ndarray[tuple[B, Classes], F]:
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def cross_entropy(z: np.ndarray[tuple[B, Classes], F], labels: Labels[B]) -> float:
    """Mean negative log-probability of the true class."""
    picked = log_softmax(z)[np.arange(z.shape[0]), labels]  # fancy indexing: (B,) at run time
    return float(-np.mean(picked))


def one_hot(labels: Labels[B]) -> np.ndarray[tuple[B, Classes], F]:
    out = np.zeros((labels.shape[0], 10))
    out[np.arange(labels.shape[0]), labels] = 1.0
    return out


class Cache(NamedTuple):
    z1: np.ndarray[tuple[Any, Hidden], F]
    h: np.ndarray[tuple[Any, Hidden], Any]


def forward(params: Params, x: np.ndarray[tuple[B, In], F]) -> tuple[np.ndarray[tuple[B, Classes], F], Cache]:
    z1 = x @ params.w1.T + params.b1  # (B, 128)
    h = relu(z1)  # (B, 128)
    z2 = h @ params.w2.T + params.b2  # (B, 10)
    return z2, Cache(z1=z1, h=h)


def backward(
    params: Params, x: np.ndarray[tuple[B, In], F], z2: np.ndarray[tuple[B, Classes], F], labels: Labels[B], cache: Cache
) -> Params:
    batch = x.shape[0]
    dz2 = (softmax(z2) - one_hot(labels)) / batch  # (B, 10)
    dw2 = dz2.T @ cache.h  # (10, 128)
    db2 = dz2.sum(axis=0)  # (10,)
    dh = dz2 @ params.w2  # (B, 128)
    dz1 = dh * relu_derivative(cache.z1)  # (B, 128)
    dw1 = dz1.T @ x  # (128, 784)
    db1 = dz1.sum(axis=0)  # (128,)
    return Params(w1=dw1, b1=db1, w2=dw2, b2=db2)


def sgd_step(
    params: Params, x: np.ndarray[tuple[B, In], F], labels: Labels[B], learning_rate: float
) -> tuple[float, Params]:
    z2, cache = forward(params, x)
    loss = cross_entropy(z2, labels)
    grads = backward(params, x, z2, labels, cache)
    updated = Params(
        w1=params.w1 - learning_rate * grads.w1,
        b1=params.b1 - learning_rate * grads.b1,
        w2=params.w2 - learning_rate * grads.w2,
        b2=params.b2 - learning_rate * grads.b2,
    )
    return loss, updated


def accuracy(params: Params, x: np.ndarray[tuple[B, In], F], labels: Labels[B]) -> float:
    predictions = forward(params, x)[0].argmax(axis=1)  # (B,)
    return float((predictions == labels).mean())


def train(seed: int) -> float:
    rng = np.random.default_rng(seed)
    params = init(rng)
    images = rng.random((64, 784))
    labels = rng.integers(0, 10, size=64)
    for _ in range(3):
        _, params = sgd_step(params, images, labels, 0.1)
    flat = images.reshape(64, 28, 28).reshape(-1, 28 * 28)  # back and forth through the image shape
    return accuracy(params, flat, labels)


def deep(x: np.ndarray[tuple[B, In], F], layers: list[tuple[np.ndarray[tuple[int, int], F], np.ndarray[tuple[int], F]]]) -> np.ndarray[tuple[B, int], Any]:
    """Any depth: a name rebound to arrays of different widths is declared with the wider type."""
    h: np.ndarray[tuple[B, int], Any] = x
    for w, b in layers:
        h = relu(h @ w.T + b)
    return h
