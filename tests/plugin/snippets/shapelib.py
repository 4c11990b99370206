"""A stand-in library module for the call-boundary rules (the tests name it in ``checked_modules``)."""

from typing import Any, Generic, Literal, TypeVar

import numpy as np

B = TypeVar("B", bound=int)
I = TypeVar("I", bound=int)
O = TypeVar("O", bound=int)
S = TypeVar("S", bound=tuple[int, ...])
Floats = np.dtype[np.floating[Any]]
Ints = np.dtype[np.integer[Any]]


def step(images: np.ndarray[tuple[B, Literal[784]], Floats], labels: np.ndarray[tuple[B], Ints]) -> float:
    """Images and labels share the batch size B."""
    return 0.0


def relu_backward(dy: np.ndarray[S, Floats], x: np.ndarray[S, Floats]) -> np.ndarray[S, Floats]:
    """The gradient and the input share the whole shape S."""
    return dy


def pair(batch: tuple[np.ndarray[tuple[B, Literal[784]], Floats], np.ndarray[tuple[B], Ints]]) -> None:
    """A tuple argument whose two arrays share B."""


def forward(image: np.ndarray[tuple[Literal[784]], Floats]) -> None:
    """One image of 784 pixels."""


def forward_batch(images: np.ndarray[tuple[int, Literal[784]], Floats]) -> None:
    """A batch of images."""


def as_anything(values: Any) -> np.ndarray[tuple[int, Literal[784]], Floats]:
    """A way in: takes anything, checks it at run time, returns a static shape."""
    return np.asarray(values, dtype=np.float64).reshape(-1, 784)


class Dense(Generic[O, I]):
    """A layer whose weights (O, I) and bias (O,) share O."""

    def __init__(self, weights: np.ndarray[tuple[O, I], Floats], bias: np.ndarray[tuple[O], Floats]) -> None:
        self.weights = weights
        self.bias = bias

    def fit(self, images: np.ndarray[tuple[B, I], Floats], labels: np.ndarray[tuple[B], Ints]) -> None:
        """A method: the images' width is the layer's I, images and labels share B."""
