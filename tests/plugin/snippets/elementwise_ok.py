"""Elementwise operations: operands broadcast as numpy does; scalars broadcast with anything."""

from typing import Any, Literal, TypeVar, assert_type

import numpy as np

B = TypeVar("B", bound=int)
S = TypeVar("S", bound=tuple[int, ...])
F64 = np.dtype[np.float64]


def affine(
    z: np.ndarray[tuple[B, Literal[128]], F64],
    b: np.ndarray[tuple[Literal[128]], F64],
    column: np.ndarray[tuple[B, Literal[1]], F64],
    mask: np.ndarray[tuple[B, Literal[128]], np.dtype[np.bool]],
) -> None:
    assert_type(z + b, np.ndarray[tuple[B, Literal[128]], F64])
    assert_type((b + z).shape, tuple[B, Literal[128]])
    assert_type((z - column).shape, tuple[B, Literal[128]])
    assert_type((z * 2.0).shape, tuple[B, Literal[128]])
    assert_type((2.0 * z).shape, tuple[B, Literal[128]])
    assert_type((z / column).shape, tuple[B, Literal[128]])
    assert_type((1.0 / z).shape, tuple[B, Literal[128]])
    assert_type((z // 2).shape, tuple[B, Literal[128]])
    assert_type((z % 2).shape, tuple[B, Literal[128]])
    assert_type((z**2).shape, tuple[B, Literal[128]])
    assert_type((z > 0).shape, tuple[B, Literal[128]])
    assert_type((z <= b).shape, tuple[B, Literal[128]])
    assert_type((1.0 + z).shape, tuple[B, Literal[128]])
    assert_type((1.0 - z).shape, tuple[B, Literal[128]])
    assert_type((2 // z).shape, tuple[B, Literal[128]])
    assert_type((2 % z).shape, tuple[B, Literal[128]])
    assert_type((2.0**z).shape, tuple[B, Literal[128]])
    assert_type(((z > 0) & (b > 0)).shape, tuple[B, Literal[128]])
    assert_type((mask | (b > 0)).shape, tuple[B, Literal[128]])
    assert_type((mask ^ (b > 0)).shape, tuple[B, Literal[128]])
    assert_type((True & mask).shape, tuple[B, Literal[128]])
    assert_type((True | mask).shape, tuple[B, Literal[128]])
    assert_type((True ^ mask).shape, tuple[B, Literal[128]])
    assert_type((z >= b).shape, tuple[B, Literal[128]])
    assert_type((z < column).shape, tuple[B, Literal[128]])
    assert_type((z > 0).shape, tuple[B, Literal[128]])
    assert_type((z == b).shape, tuple[B, Literal[128]])
    assert_type((z != 0.0).shape, tuple[B, Literal[128]])
    assert_type(((z > 0) * 1.0).shape, tuple[B, Literal[128]])
    assert_type(np.maximum(z, 0.0).shape, tuple[B, Literal[128]])
    assert_type(np.maximum(z, b).shape, tuple[B, Literal[128]])
    assert_type(np.exp(z), np.ndarray[tuple[B, Literal[128]], np.dtype[Any]])
    assert_type(np.log(b).shape, tuple[Literal[128]])
    assert_type(np.tanh(z).shape, tuple[B, Literal[128]])
    assert_type(np.where(z > 0, z, 0.0).shape, tuple[B, Literal[128]])
    assert_type(np.where(z > 0, 1.0, column).shape, tuple[B, Literal[128]])
    # In place: the target keeps its shape.
    z += b
    z -= b
    z *= column
    z /= 2.0
    z //= 1.0
    z **= 2.0
    assert_type(z.shape, tuple[B, Literal[128]])


def relu(x: np.ndarray[S, F64]) -> np.ndarray[S, np.dtype[Any]]:
    """A whole-shape type variable passes through operations with scalars."""
    assert_type(x * 0.5, np.ndarray[S, F64])
    return np.maximum(x, 0.0)


def unknown_sizes(x: np.ndarray[tuple[int, Literal[10]], F64], y: np.ndarray[tuple[Literal[64], Literal[10]], F64]) -> None:
    """An ``int`` size broadcasts with anything; the literal size comes through."""
    assert_type((x + y).shape, tuple[Literal[64], Literal[10]])


def more_elementwise(z: np.ndarray[tuple[B, Literal[10]], F64], v: np.ndarray[tuple[Literal[10]], F64]) -> None:
    """``clip`` and ``isclose`` broadcast their arguments; a ufunc's ``outer`` pairs every element."""
    assert_type(np.clip(z, 0.0, 1.0).shape, tuple[B, Literal[10]])
    assert_type(np.clip(z, v, None).shape, tuple[B, Literal[10]])
    assert_type(z.clip(min=0.0).shape, tuple[B, Literal[10]])
    assert_type(np.isclose(z, v).shape, tuple[B, Literal[10]])
    assert_type(np.multiply.outer(v, v).shape, tuple[Literal[10], Literal[10]])
    fraction, whole = np.modf(z)
    assert_type(whole.shape, tuple[B, Literal[10]])
    quotient, remainder = np.divmod(z, v)
    assert_type(remainder.shape, tuple[B, Literal[10]])
