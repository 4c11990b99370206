"""Basic indexing: an integer drops an axis, a slice keeps it, ``None``/``np.newaxis`` adds one."""

from typing import Any, Literal, TypeVar, assert_type

import numpy as np

B = TypeVar("B", bound=int)
F64 = np.dtype[np.float64]


def index(x: np.ndarray[tuple[B, Literal[784]], F64], w: np.ndarray[tuple[Literal[64], Literal[100]], F64], i: int) -> None:
    assert_type(x[0], np.ndarray[tuple[Literal[784]], F64])
    assert_type(x[i].shape, tuple[Literal[784]])
    assert_type(x[-1].shape, tuple[Literal[784]])
    assert_type(x[:].shape, tuple[B, Literal[784]])
    assert_type(x[:, None].shape, tuple[B, Literal[1], Literal[784]])
    assert_type(x[None].shape, tuple[Literal[1], B, Literal[784]])
    assert_type(x[np.newaxis, :].shape, tuple[Literal[1], B, Literal[784]])
    assert_type(x[..., None].shape, tuple[B, Literal[784], Literal[1]])
    assert_type(x[:, 0].shape, tuple[B])
    assert_type(w[:32].shape, tuple[Literal[32], Literal[100]])
    assert_type(w[::2, 10:20].shape, tuple[Literal[32], Literal[10]])
    assert_type(w[-5:].shape, tuple[Literal[5], Literal[100]])
    assert_type(w[0, 0], np.float64)  # a scalar of the array's dtype


def advanced(
    x: np.ndarray[tuple[B, Literal[784]], F64],
    w: np.ndarray[tuple[Literal[64], Literal[100]], F64],
    rows: np.ndarray[tuple[Literal[7]], np.dtype[np.int64]],
    labels: np.ndarray[tuple[B], np.dtype[np.intp]],
    mask: np.ndarray[tuple[Literal[64]], np.dtype[np.bool]],
) -> None:
    """Integer arrays and boolean masks: numpy's advanced indexing."""
    assert_type(w[rows].shape, tuple[Literal[7], Literal[100]])
    assert_type(w[:, rows].shape, tuple[Literal[64], Literal[7]])
    assert_type(w[[0, 2, 4]].shape, tuple[Literal[3], Literal[100]])
    assert_type(x[np.arange(x.shape[0]), labels].shape, tuple[B])  # one entry per row: a gather
    assert_type(w[mask].shape, tuple[Any, Literal[100]])  # as many rows as the mask has trues
    assert_type(np.take(w, rows, axis=1).shape, tuple[Literal[64], Literal[7]])
    assert_type(w.take(rows, axis=0).shape, tuple[Literal[7], Literal[100]])
    assert_type(np.take(w, rows).shape, tuple[Literal[7]])  # from the flattened array
    assert_type(np.take_along_axis(x, labels[:, None], axis=1).shape, tuple[B, Literal[1]])
