"""Axes that cannot be squeezed, windows larger than the array, targets that do not broadcast."""

from typing import Literal, TypeVar

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

B = TypeVar("B", bound=int)
F64 = np.dtype[np.float64]


def layout(
    x: np.ndarray[tuple[B, Literal[10]], F64],
    w: np.ndarray[tuple[Literal[64], Literal[100]], F64],
    v: np.ndarray[tuple[Literal[100]], F64],
) -> None:
    w.squeeze(axis=0)  # E: [shape] squeeze: cannot squeeze axis 0 of size 64, not 1 (w: (64, 100))
    np.squeeze(x, axis=0)  # E: [shape] squeeze: cannot squeeze axis 0 of size B, not 1 (x: (B, 10))
    np.expand_dims(v, 2)  # E: [shape] expand_dims: axis 2 is out of range for rank 2 (v: (100,))
    np.pad(w, ((1, 1), (1, 1), (1, 1)))  # E: [shape] pad: 3 pad widths for rank 2 (w: (64, 100))
    np.broadcast_to(v, (64, 10))  # E: [shape] broadcast_to: cannot broadcast to (64, 10): size 100 is neither 1 nor 10 (v: (100,))
    sliding_window_view(v, 101)  # E: [shape] sliding_window_view: the window size 101 is larger than axis 0 of size 100 (v: (100,))
    np.repeat(w, 2, axis=2)  # E: [shape] repeat: axis 2 is out of range for rank 2 (w: (64, 100))
    np.tile(w, -1)  # E: [shape] tile: a repetition count cannot be negative: -1 (w: (64, 100))
    np.diag(w[None])  # E: [shape] diag: diag needs a vector or a matrix, not rank 3 (w[...]: (1, 64, 100))
    np.sort(x, axis=2)  # E: [shape] sort: axis 2 is out of range for rank 2 (x: (B, 10))
    x.sort(axis=2)  # E: [shape] sort: axis 2 is out of range for rank 2 (x: (B, 10))
    np.argsort(x, axis=2)  # E: [shape] argsort: axis 2 is out of range for rank 2 (x: (B, 10))
    x.argsort(axis=-3)  # E: [shape] argsort: axis -3 is out of range for rank 2 (x: (B, 10))
    np.cumsum(w, axis=2)  # E: [shape] cumsum: axis 2 is out of range for rank 2 (w: (64, 100))
    np.cumprod(w, axis=2)  # E: [shape] cumprod: axis 2 is out of range for rank 2 (w: (64, 100))
    w.cumprod(axis=2)  # E: [shape] cumprod: axis 2 is out of range for rank 2 (w: (64, 100))
    w.repeat(2, axis=5)  # E: [shape] repeat: axis 5 is out of range for rank 2 (w: (64, 100))
    w.cumsum(axis=-3)  # E: [shape] cumsum: axis -3 is out of range for rank 2 (w: (64, 100))
    np.diff(v, axis=1)  # E: [shape] diff: axis 1 is out of range for rank 1 (v: (100,))
