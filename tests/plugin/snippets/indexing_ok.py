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
    assert_type(w[0, 0], Any)  # a scalar: left to numpy's stubs
