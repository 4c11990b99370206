"""Elementwise operations whose operands cannot broadcast."""

from typing import Literal, TypeVar

import numpy as np

B = TypeVar("B", bound=int)
C = TypeVar("C", bound=int)
F64 = np.dtype[np.float64]


def affine(
    z: np.ndarray[tuple[B, Literal[128]], F64],
    b: np.ndarray[tuple[Literal[10]], F64],
    w: np.ndarray[tuple[Literal[128], Literal[784]], F64],
    mask: np.ndarray[tuple[B, Literal[128]], np.dtype[np.bool]],
    flags: np.ndarray[tuple[Literal[10]], np.dtype[np.bool]],
) -> None:
    z + b  # E: [shape] add: sizes differ and neither is 1: 128 (z: (B, 128)) and 10 (b: (10,))
    b + z  # E: [shape] add: sizes differ and neither is 1: 10 (b: (10,)) and 128 (z: (B, 128))
    z - w  # E: [shape] subtract: sizes differ and neither is 1: 128 (z: (B, 128)) and 784 (w: (128, 784))
    z * b  # E: [shape] multiply: sizes differ and neither is 1: 128 (z: (B, 128)) and 10 (b: (10,))
    z / b  # E: [shape] divide: sizes differ and neither is 1: 128 (z: (B, 128)) and 10 (b: (10,))
    z > b  # E: [shape] greater: sizes differ and neither is 1: 128 (z: (B, 128)) and 10 (b: (10,))
    w < w.T  # E: [shape] less: sizes differ and neither is 1: 784 (w: (128, 784)) and 128 (w.T: (784, 128))
    z // b  # E: [shape] floor_divide: sizes differ and neither is 1: 128 (z: (B, 128)) and 10 (b: (10,))
    z % b  # E: [shape] remainder: sizes differ and neither is 1: 128 (z: (B, 128)) and 10 (b: (10,))
    z**b  # E: [shape] power: sizes differ and neither is 1: 128 (z: (B, 128)) and 10 (b: (10,))
    mask & flags  # E: [shape] bitwise_and: sizes differ and neither is 1: 128 (mask: (B, 128)) and 10 (flags: (10,))
    mask | flags  # E: [shape] bitwise_or: sizes differ and neither is 1: 128 (mask: (B, 128)) and 10 (flags: (10,))
    mask ^ flags  # E: [shape] bitwise_xor: sizes differ and neither is 1: 128 (mask: (B, 128)) and 10 (flags: (10,))
    z <= b  # E: [shape] less_equal: sizes differ and neither is 1: 128 (z: (B, 128)) and 10 (b: (10,))
    z >= b  # E: [shape] greater_equal: sizes differ and neither is 1: 128 (z: (B, 128)) and 10 (b: (10,))
    z == b  # E: [shape] equal: sizes differ and neither is 1: 128 (z: (B, 128)) and 10 (b: (10,))
    z != b  # E: [shape] not_equal: sizes differ and neither is 1: 128 (z: (B, 128)) and 10 (b: (10,))
    np.maximum(z, b)  # E: [shape] maximum: sizes differ and neither is 1: 128 (z: (B, 128)) and 10 (b: (10,))
    np.add(b, w)  # E: [shape] add: sizes differ and neither is 1: 10 (b: (10,)) and 784 (w: (128, 784))
    np.where(z > 0, z, b)  # E: [shape] where: sizes differ and neither is 1: 128 (condition: (B, 128)) and 10 (b: (10,))
    w += np.zeros((2, 128, 784))  # E: [shape] add (in place): the result (2, 128, 784) does not fit the target (w: (128, 784))
    b *= np.ones((3, 1))  # E: [shape] multiply (in place): the result (3, 10) does not fit the target (b: (10,))
    z -= w  # E: [shape] subtract (in place): sizes differ and neither is 1: 128 (z: (B, 128)) and 784 (w: (128, 784))
    b /= np.ones((2, 1))  # E: [shape] divide (in place): the result (2, 10) does not fit the target (b: (10,))
    b //= np.ones((2, 1))  # E: [shape] floor_divide (in place): the result (2, 10) does not fit the target (b: (10,))
    b **= np.ones((2, 1))  # E: [shape] power (in place): the result (2, 10) does not fit the target (b: (10,))


def generic(z: np.ndarray[tuple[B, C], F64], labels: np.ndarray[tuple[B], np.dtype[np.int64]]) -> None:
    """A type variable stands for every size: B broadcasts with B and 1 only, never with C or 10."""
    z / z.sum(axis=1)  # E: [shape] divide: sizes differ and neither is 1: C (z: (B, C)) and B (z.sum(...): (B,))
    z - np.zeros(10)  # E: [shape] subtract: sizes differ and neither is 1: C (z: (B, C)) and 10 (np.zeros(...): (10,))
    z == labels  # E: [shape] equal: sizes differ and neither is 1: C (z: (B, C)) and B (labels: (B,))


def more_elementwise(z: np.ndarray[tuple[B, C], F64], w: np.ndarray[tuple[Literal[64], Literal[10]], F64]) -> None:
    np.clip(w, w[0], w[:, 0])  # E: [shape] clip: sizes differ and neither is 1: 10 (w: (64, 10)) and 64 (w[...]: (64,))
    w.clip(0.0, z)  # E: [shape] clip: sizes differ and neither is 1: 10 (w: (64, 10)) and C (z: (B, C))
    np.isclose(z, z.T)  # E: [shape] isclose: sizes differ and neither is 1: C (z: (B, C)) and B (z.T: (C, B))
    np.divmod(w, w[:, :3])  # E: [shape] divmod: sizes differ and neither is 1: 10 (w: (64, 10)) and 3 (w[...]: (64, 3))
