"""Contractions: einsum's subscripts, tensordot, inner, outer, and square matrices."""

from typing import Any, Literal, TypeVar, assert_type

import numpy as np

B = TypeVar("B", bound=int)
C = TypeVar("C", bound=int)
F64 = np.dtype[np.float64]


def contract(
    x: np.ndarray[tuple[B, Literal[784]], F64],
    w: np.ndarray[tuple[Literal[128], Literal[784]], F64],
    q: np.ndarray[tuple[B, Literal[8], Literal[16]], F64],
    k: np.ndarray[tuple[B, Literal[12], Literal[16]], F64],
    a: np.ndarray[tuple[Literal[3], Literal[3]], F64],
    z: np.ndarray[tuple[B, C], F64],
) -> None:
    assert_type(np.einsum("bi,oi->bo", x, w).shape, tuple[B, Literal[128]])
    assert_type(np.einsum("bqd,bkd->bqk", q, k).shape, tuple[B, Literal[8], Literal[12]])
    assert_type(np.einsum("ij,kj", x, w).shape, tuple[B, Literal[128]])  # implicit: the letters used once
    assert_type(np.einsum("ii->i", a).shape, tuple[Literal[3]])
    assert_type(np.einsum("...d,...d->...", q, q).shape, tuple[B, Literal[8]])
    assert_type(np.tensordot(x, w, axes=([1], [1])).shape, tuple[B, Literal[128]])
    assert_type(np.tensordot(w, x.T, axes=1).shape, tuple[Literal[128], B])
    assert_type(np.inner(x, w).shape, tuple[B, Literal[128]])
    assert_type(np.outer(w[0], x[0]).shape, tuple[Literal[784], Literal[784]])
    assert_type(np.linalg.inv(a).shape, tuple[Literal[3], Literal[3]])
    assert_type(np.linalg.solve(a, a[0]).shape, tuple[Literal[3]])
    assert_type(np.vecdot(x, x).shape, tuple[B])
    assert_type(np.matvec(w, x[0]).shape, tuple[Literal[128]])
    assert_type(np.vecmat(x[0], w.T).shape, tuple[Literal[128]])
    assert_type(np.einsum("bc,bc->b", z, np.ones_like(z)).shape, tuple[B])
    assert_type(np.einsum("bc", z).shape, tuple[B, C])
    assert_type(np.einsum("ij,jk->ik", x, np.zeros((784, 5))), np.ndarray[tuple[B, Literal[5]], np.dtype[Any]])
