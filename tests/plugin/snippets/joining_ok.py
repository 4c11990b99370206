"""Joining: concatenate adds sizes along an axis, stack adds a new axis."""

from typing import Any, Literal, TypeVar, assert_type

import numpy as np

B = TypeVar("B", bound=int)
F64 = np.dtype[np.float64]


def join(
    a: np.ndarray[tuple[Literal[64], Literal[784]], F64],
    b: np.ndarray[tuple[Literal[32], Literal[784]], F64],
    x: np.ndarray[tuple[B, Literal[784]], F64],
    h: np.ndarray[tuple[B, Literal[16]], F64],
) -> None:
    assert_type(np.concatenate([a, b]), np.ndarray[tuple[Literal[96], Literal[784]], np.dtype[Any]])
    assert_type(np.concatenate((a, b), axis=0).shape, tuple[Literal[96], Literal[784]])
    assert_type(np.concatenate([x, h], axis=1).shape, tuple[B, Literal[800]])
    assert_type(np.concatenate([x, h], axis=-1).shape, tuple[B, Literal[800]])
    assert_type(np.concatenate([a, b], axis=None).shape, tuple[Literal[75264]])
    assert_type(np.stack([a, a, a]).shape, tuple[Literal[3], Literal[64], Literal[784]])
    assert_type(np.stack([x, x], axis=-1).shape, tuple[B, Literal[784], Literal[2]])
    assert_type(np.stack([1.0, 2.0]).shape, tuple[Literal[2]])  # scalars stack into a vector


def sequences(
    a: np.ndarray[tuple[Literal[64], Literal[784]], F64],
    x: np.ndarray[tuple[B, Literal[784]], F64],
    v: np.ndarray[tuple[Literal[784]], F64],
) -> None:
    assert_type(np.vstack([a, v]).shape, tuple[Literal[65], Literal[784]])  # a vector is a row
    assert_type(np.vstack((v, v)).shape, tuple[Literal[2], Literal[784]])
    assert_type(np.hstack([a, a]).shape, tuple[Literal[64], Literal[1568]])
    assert_type(np.hstack([v, v]).shape, tuple[Literal[1568]])
    assert_type(np.column_stack([v, v]).shape, tuple[Literal[784], Literal[2]])
    assert_type(np.hstack([x, x]).shape, tuple[B, Literal[1568]])
    halves = np.split(a, 2, axis=1)
    assert_type(halves[0].shape, tuple[Literal[64], Literal[392]])
    assert_type(np.split(x, 4, axis=1)[3].shape, tuple[B, Literal[196]])
