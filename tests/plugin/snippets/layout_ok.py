"""Axes added, removed or resized, and operations along an axis: the result shapes."""

from typing import Any, Literal, TypeVar, assert_type

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

B = TypeVar("B", bound=int)
F64 = np.dtype[np.float64]


def layout(
    x: np.ndarray[tuple[B, Literal[10]], F64],
    w: np.ndarray[tuple[Literal[64], Literal[100]], F64],
    column: np.ndarray[tuple[B, Literal[1]], F64],
    v: np.ndarray[tuple[Literal[100]], F64],
    image: np.ndarray[tuple[Literal[28], Literal[28]], F64],
) -> None:
    assert_type(column.squeeze(axis=1).shape, tuple[B])
    assert_type(np.squeeze(column, axis=-1).shape, tuple[B])
    assert_type(np.squeeze(w[None, :, None]).shape, tuple[Literal[64], Literal[100]])
    assert_type(np.expand_dims(v, 0).shape, tuple[Literal[1], Literal[100]])
    assert_type(np.expand_dims(x, (0, 3)).shape, tuple[Literal[1], B, Literal[10], Literal[1]])
    assert_type(np.atleast_2d(v).shape, tuple[Literal[1], Literal[100]])
    assert_type(np.tile(v, 3).shape, tuple[Literal[300]])
    assert_type(np.tile(w, (2, 1)).shape, tuple[Literal[128], Literal[100]])
    assert_type(np.tile(v, (4, 1)).shape, tuple[Literal[4], Literal[100]])
    assert_type(np.repeat(w, 2, axis=0).shape, tuple[Literal[128], Literal[100]])
    assert_type(w.repeat(3).shape, tuple[Literal[19200]])
    assert_type(np.pad(image, 2).shape, tuple[Literal[32], Literal[32]])
    assert_type(np.pad(image, ((1, 0), (0, 3))).shape, tuple[Literal[29], Literal[31]])
    assert_type(np.broadcast_to(v, (64, 100)).shape, tuple[Literal[64], Literal[100]])
    assert_type(sliding_window_view(image, (5, 5)).shape, tuple[Literal[24], Literal[24], Literal[5], Literal[5]])
    assert_type(sliding_window_view(v, 10).shape, tuple[Literal[91], Literal[10]])
    assert_type(np.diag(v).shape, tuple[Literal[100], Literal[100]])
    assert_type(np.diag(w).shape, tuple[Literal[64]])
    assert_type(np.diff(v).shape, tuple[Literal[99]])
    assert_type(np.diff(w, axis=0).shape, tuple[Literal[63], Literal[100]])
    assert_type(np.sort(x, axis=1).shape, tuple[B, Literal[10]])
    assert_type(x.argsort().shape, tuple[B, Literal[10]])
    assert_type(np.argsort(x, axis=None).shape, tuple[Any])
    assert_type(np.cumsum(w, axis=0).shape, tuple[Literal[64], Literal[100]])
    assert_type(w.cumsum().shape, tuple[Literal[6400]])
    assert_type(w.cumprod(axis=1).shape, tuple[Literal[64], Literal[100]])
    assert_type(np.cumprod(v).shape, tuple[Literal[100]])
    assert_type(w.sort(axis=0), None)  # in place
    assert_type(np.flip(x, axis=0).shape, tuple[B, Literal[10]])
    assert_type(np.roll(w, 1, axis=1).shape, tuple[Literal[64], Literal[100]])
    assert_type(np.triu(w).shape, tuple[Literal[64], Literal[100]])
    assert_type(np.tril(w).shape, tuple[Literal[64], Literal[100]])
    assert_type(np.round(w, 2).shape, tuple[Literal[64], Literal[100]])
