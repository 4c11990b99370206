"""Reshape keeps the element count and infers one -1; ravel flattens; astype keeps the shape."""

from typing import Any, Final, Literal, TypeVar, assert_type

import numpy as np

B = TypeVar("B", bound=int)
R = TypeVar("R", bound=int)
C = TypeVar("C", bound=int)
F64 = np.dtype[np.float64]
SIDE: Final = 28


def reshapes(images: np.ndarray[tuple[B, Literal[28], Literal[28]], F64], w: np.ndarray[tuple[Literal[10], Literal[128]], F64]) -> None:
    assert_type(images.reshape(images.shape[0], 28 * 28), np.ndarray[tuple[B, Literal[784]], F64])
    assert_type(images.reshape(-1, 784).shape, tuple[B, Literal[784]])
    assert_type(images.reshape((images.shape[0], -1)).shape, tuple[B, Literal[784]])
    assert_type(images.reshape(images.shape[0], SIDE * SIDE).shape, tuple[B, Literal[784]])
    assert_type(np.reshape(w, (1280,)).shape, tuple[Literal[1280]])
    assert_type(w.reshape(-1).shape, tuple[Literal[1280]])
    assert_type(w.reshape(2, 5, -1).shape, tuple[Literal[2], Literal[5], Literal[128]])
    assert_type(w.reshape(w.shape).shape, tuple[Literal[10], Literal[128]])
    assert_type(w.ravel(), np.ndarray[tuple[Literal[1280]], F64])
    assert_type(w.flatten().shape, tuple[Literal[1280]])
    assert_type(np.ravel(w).shape, tuple[Literal[1280]])
    assert_type(images[0].ravel().shape, tuple[Literal[784]])
    assert_type(w.astype(np.float32), np.ndarray[tuple[Literal[10], Literal[128]], np.dtype[np.float32]])
    assert_type(images.astype(np.float32).shape, tuple[B, Literal[28], Literal[28]])


def flat_batch(x: np.ndarray[tuple[int, Literal[784]], F64]) -> None:
    """An unknown batch: -1 is inferred as unknown, the other sizes are kept."""
    assert_type(x.reshape(-1, 28, 28).shape, tuple[Any, Literal[28], Literal[28]])


def flatten_rows_and_columns(images: np.ndarray[tuple[B, R, C], F64]) -> None:
    """A product of symbolic sizes is an unknown size in the result, but its count is checked."""
    assert_type(images.reshape(images.shape[0], images.shape[1] * images.shape[2]).shape, tuple[B, Any])
    assert_type(images.reshape(images.shape[0] * images.shape[1], -1).shape, tuple[Any, C])
    assert_type(images.reshape(-1, images.shape[2]).shape, tuple[Any, C])
