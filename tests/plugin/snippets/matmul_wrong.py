"""Matrix products whose inner sizes differ, and permutations that are not permutations."""

from typing import Literal, TypeVar

import numpy as np

B = TypeVar("B", bound=int)
I = TypeVar("I", bound=int)
O = TypeVar("O", bound=int)
F64 = np.dtype[np.float64]


def dense(x: np.ndarray[tuple[B, Literal[784]], F64], w: np.ndarray[tuple[Literal[128], Literal[784]], F64]) -> None:
    x @ w  # E: [shape] matmul: inner sizes differ: 784 (x: (B, 784)) and 128 (w: (128, 784))
    np.matmul(x, w)  # E: [shape] matmul: inner sizes differ: 784 (x: (B, 784)) and 128 (w: (128, 784))
    np.dot(x, w)  # E: [shape] dot: inner sizes differ: 784 (x: (B, 784)) and 128 (w: (128, 784))
    x.dot(w)  # E: [shape] dot: inner sizes differ: 784 (x: (B, 784)) and 128 (w: (128, 784))
    x.T @ w.T  # E: [shape] matmul: inner sizes differ: B (x.T: (784, B)) and 784 (w.T: (784, 128))
    w.transpose(0, 0)  # E: [shape] transpose: axes (0, 0) are not a permutation of the 2 axes (w: (128, 784))
    np.transpose(w, (0, 1, 2))  # E: [shape] transpose: axes (0, 1, 2) do not match rank 2 (w: (128, 784))
    w.swapaxes(0, 2)  # E: [shape] swapaxes: axis 2 is out of range for rank 2 (w: (128, 784))
    np.swapaxes(w, -3, 0)  # E: [shape] swapaxes: axis -3 is out of range for rank 2 (w: (128, 784))


def generic(x: np.ndarray[tuple[B, I], F64], w: np.ndarray[tuple[O, I], F64]) -> None:
    """Type variables are sizes equal only to themselves: ``x @ w`` needs ``I == O`` for every choice."""
    x @ w  # E: [shape] matmul: inner sizes differ: I (x: (B, I)) and O (w: (O, I))
