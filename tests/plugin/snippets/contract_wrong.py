"""Contractions whose sizes disagree."""

from typing import Literal, TypeVar

import numpy as np

B = TypeVar("B", bound=int)
F64 = np.dtype[np.float64]


def contract(
    x: np.ndarray[tuple[B, Literal[784]], F64],
    w: np.ndarray[tuple[Literal[128], Literal[784]], F64],
    a: np.ndarray[tuple[Literal[3], Literal[4]], F64],
) -> None:
    np.einsum("bi,io->bo", x, w)  # E: [shape] einsum: subscript i has different sizes: 784 (x: (B, 784)) and 128 (w: (128, 784))
    np.einsum("bij,oi->bo", x, w)  # E: [shape] einsum: subscripts 'bij' name 3 axes of an array of rank 2 (x: (B, 784))
    np.einsum("bi,oi->bz", x, w)  # E: [shape] einsum: output subscript 'z' is not in any input of 'bi,oi->bz' (x: (B, 784))
    np.einsum("bi->b", x, w)  # E: [shape] einsum: 1 subscript terms in 'bi->b' for 2 operands (x: (B, 784))
    np.tensordot(x, w, axes=1)  # E: [shape] tensordot: contracted sizes differ (axes 1 and 0): 784 (x: (B, 784)) and 128 (w: (128, 784))
    np.inner(x, w.T)  # E: [shape] inner: last sizes differ: 784 (x: (B, 784)) and 128 (w.T: (784, 128))
    np.linalg.inv(a)  # E: [shape] inv: the matrix is not square: 3 (a: (3, 4)) and 4 (a: (3, 4))
    np.linalg.solve(a[:, :3], x)  # E: [shape] solve: sizes differ: 3 (a[...]: (3, 3)) and B (x: (B, 784))
    np.vecdot(x, w)  # E: [shape] vecdot: sizes differ and neither is 1: B (x: (B, 784)) and 128 (w: (128, 784))
    np.matvec(w, x[:, :100])  # E: [shape] matvec: inner sizes differ: 784 (w: (128, 784)) and 100 (x[...]: (B, 100))
