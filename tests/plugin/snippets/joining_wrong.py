"""Joining arrays whose other sizes disagree."""

from typing import Literal, TypeVar

import numpy as np

B = TypeVar("B", bound=int)
F64 = np.dtype[np.float64]


def join(
    a: np.ndarray[tuple[Literal[64], Literal[784]], F64],
    b: np.ndarray[tuple[Literal[32], Literal[100]], F64],
    x: np.ndarray[tuple[B, Literal[784]], F64],
    v: np.ndarray[tuple[Literal[784]], F64],
) -> None:
    np.concatenate([a, b])  # E: [shape] concatenate: sizes differ at axis 1: 784 (a: (64, 784)) and 100 (b: (32, 100))
    np.concatenate([a, x], axis=1)  # E: [shape] concatenate: sizes differ at axis 0: 64 (a: (64, 784)) and B (x: (B, 784))
    np.concatenate([a, v])  # E: [shape] concatenate: ranks differ: 2 (a: (64, 784)) and 1 (v: (784,))
    np.concatenate([a, a], axis=2)  # E: [shape] concatenate: axis 2 is out of range for rank 2 (a: (64, 784))
    np.stack([a, a, b])  # E: [shape] stack: sizes differ at axis 0: 64 (a: (64, 784)) and 32 (b: (32, 100))
    np.concatenate([1.0, 2.0])  # E: [shape] concatenate: zero-dimensional arrays cannot be concatenated (array 1: ())
    np.stack([a, a], axis=3)  # E: [shape] stack: axis 3 is out of range for rank 3 (a: (64, 784))


def sequences(
    a: np.ndarray[tuple[Literal[64], Literal[784]], F64],
    b: np.ndarray[tuple[Literal[32], Literal[100]], F64],
    v: np.ndarray[tuple[Literal[100]], F64],
) -> None:
    np.vstack([a, v])  # E: [shape] vstack: sizes differ at axis 1: 784 (a: (64, 784)) and 100 (v: (100,))
    np.hstack([a, b])  # E: [shape] hstack: sizes differ at axis 0: 64 (a: (64, 784)) and 32 (b: (32, 100))
    np.column_stack([a, v])  # E: [shape] column_stack: sizes differ at axis 0: 64 (a: (64, 784)) and 100 (v: (100,))
    np.split(a, 3, axis=1)  # E: [shape] split: axis 1 of size 784 does not split into 3 equal parts (a: (64, 784))
