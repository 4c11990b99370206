"""jaxtyping annotations are static shapes: named sizes shared by a signature, bound at each call."""

from collections.abc import Callable
from typing import Any, Literal, TypeAlias, TypeVar, assert_type

import jaxtyping as jt
import numpy as np
from jaxtyping import Bool, Float, Float32, Int, Shaped

F = TypeVar("F", bound=Callable[..., Any])
Images: TypeAlias = Float[np.ndarray, "batch 784"]
Labels = Int[np.ndarray, " batch"]
rng = np.random.default_rng(0)


def dense(x: Float[np.ndarray, "b i"], w: Float[np.ndarray, "o i"], bias: Float[np.ndarray, " o"]) -> Float[np.ndarray, "b o"]:
    """The body is checked against the annotation: ``x @ w.T`` is ``(b, o)``."""
    return x @ w.T + bias


def dense_backward(
    dy: Float[np.ndarray, "b o"], x: Float[np.ndarray, "b i"], w: Float[np.ndarray, "o i"]
) -> tuple[Float[np.ndarray, "b i"], Float[np.ndarray, "o i"], Float[np.ndarray, " o"]]:
    d_weights: Float[np.ndarray, "o i"] = dy.T @ x  # a local annotation with the signature's names
    return dy @ w, d_weights, dy.sum(axis=0)


def softmax(z: Float[np.ndarray, "b c"]) -> Float[np.ndarray, "b c"]:
    shifted = z - z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def loss(logits: Images, labels: Labels) -> float:
    """Aliases bind their names like annotations written in place."""
    return float(logits.sum()) + float(labels.sum())


def first_rows(x: jt.Float[np.ndarray, "n d"]) -> jt.Float[np.ndarray, "n"]:
    """``jt.Float`` through a module import; ``len(x)`` is the symbolic size ``n``."""
    return np.zeros(len(x)) + x[:, 0]


def make(count: int) -> Float[np.ndarray, "rows 3"]:
    """A name only in the return is bound by nothing: an unknown size, whatever the body gives."""
    return np.zeros((count, 3))


def keep(x: Shaped[np.ndarray, "*shape"], y: Shaped[np.ndarray, "*shape"]) -> Shaped[np.ndarray, "*shape"]:
    """``*shape`` alone is a whole shape shared by the parameters."""
    return x + y


def anything(x: Float[np.ndarray, "... 3"], y: Float[np.ndarray, "_ #n"]) -> None:
    """``...``, ``_`` and ``#n`` are sizes nothing is known about."""


def checked(function: F) -> F:
    return function


class Layer:
    """In a class body a name binds nothing (as at module level)."""

    weights: Float[np.ndarray, "out in"]

    def __init__(self, weights: Float[np.ndarray, "out in"]) -> None:
        self.weights = weights


x = rng.random((64, 784))
assert_type(dense(x, rng.random((128, 784)), rng.random(128)), np.ndarray[tuple[Literal[64], Literal[128]], np.dtype[np.floating[Any]]])
assert_type(softmax(rng.random((32, 10))).shape, tuple[Literal[32], Literal[10]])
assert_type(first_rows(np.zeros((5, 2))).shape, tuple[Literal[5]])
assert_type(make(4).shape, tuple[int, Literal[3]])
assert_type(keep(np.zeros((2, 3)), np.ones((2, 3))).shape, tuple[Literal[2], Literal[3]])
assert_type(checked(softmax)(rng.random((8, 10))).shape, tuple[Literal[8], Literal[10]])
loss(x, rng.integers(0, 10, 64))
anything(np.zeros((4, 5, 3)), np.zeros((2, 1)))
images: Images = np.zeros((16, 784))  # at module level ``batch`` is unknown
w32: Float32[np.ndarray, "2 2"] = np.zeros((2, 2), dtype=np.float32)
assert_type(w32, np.ndarray[tuple[Literal[2], Literal[2]], np.dtype[np.float32]])
mask: Bool[np.ndarray, " n"] = np.zeros(3) > 0
Layer(rng.random((3, 4))).weights @ np.zeros((7, 2))
