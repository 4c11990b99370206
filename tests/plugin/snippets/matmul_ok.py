"""Matrix products and transposes: inner sizes agree, ``.T`` reverses the axes."""

from typing import Any, Literal, TypeVar, assert_type

import numpy as np

B = TypeVar("B", bound=int)
F64 = np.dtype[np.float64]


def dense(x: np.ndarray[tuple[B, Literal[784]], F64], w: np.ndarray[tuple[Literal[128], Literal[784]], F64]) -> None:
    assert_type(x @ w.T, np.ndarray[tuple[B, Literal[128]], F64])
    assert_type(np.matmul(x, w.T).shape, tuple[B, Literal[128]])
    assert_type(np.dot(x, w.T), np.ndarray[tuple[B, Literal[128]], F64])
    assert_type(x.dot(w.T).shape, tuple[B, Literal[128]])
    assert_type(w.T, np.ndarray[tuple[Literal[784], Literal[128]], F64])
    assert_type(w.mT.shape, tuple[Literal[784], Literal[128]])
    assert_type(w.transpose().shape, tuple[Literal[784], Literal[128]])
    assert_type(w.transpose(1, 0).shape, tuple[Literal[784], Literal[128]])
    assert_type(w.transpose((1, 0)).shape, tuple[Literal[784], Literal[128]])
    assert_type(np.transpose(w).shape, tuple[Literal[784], Literal[128]])
    assert_type(np.transpose(w, (1, 0)).shape, tuple[Literal[784], Literal[128]])
    assert_type(w.swapaxes(0, 1).shape, tuple[Literal[784], Literal[128]])
    assert_type(np.swapaxes(w, 0, -1).shape, tuple[Literal[784], Literal[128]])
    # Vectors gain and lose an axis; the batch B meets itself in x.T @ x.
    assert_type((w @ x[0]).shape, tuple[Literal[128]])
    assert_type((x[0] @ w.T).shape, tuple[Literal[128]])
    assert_type((x.T @ x).shape, tuple[Literal[784], Literal[784]])
    # Stacks of matrices broadcast their leading axes.
    stack = np.zeros((5, 1, 3, 784))
    assert_type((stack @ w.T).shape, tuple[Literal[5], Literal[1], Literal[3], Literal[128]])
    assert_type((x.reshape(1, -1, 784) @ w.T).shape, tuple[Literal[1], B, Literal[128]])


def unknown(x: np.ndarray[tuple[int, int], F64], w: np.ndarray[tuple[Literal[128], Literal[784]], F64]) -> None:
    """An ``int`` size may be anything: no conflict, and the known sizes still come through."""
    assert_type((x @ w).shape, tuple[Any, Literal[784]])
