"""Reductions drop the axes they reduce, or keep them as size 1 with ``keepdims=True``."""

from typing import Any, Literal, TypeVar, assert_type

import numpy as np

B = TypeVar("B", bound=int)
F64 = np.dtype[np.float64]


def reductions(z: np.ndarray[tuple[B, Literal[10]], F64], flags: np.ndarray[tuple[B, Literal[10]], np.dtype[np.bool]]) -> None:
    assert_type(z.sum(axis=0), np.ndarray[tuple[Literal[10]], F64])
    assert_type(z.sum(0).shape, tuple[Literal[10]])
    assert_type(z.sum(axis=1, keepdims=True).shape, tuple[B, Literal[1]])
    assert_type(z.sum(axis=-1).shape, tuple[B])
    assert_type(z.sum(axis=(0, 1), keepdims=True).shape, tuple[Literal[1], Literal[1]])
    assert_type(z.mean(axis=0).shape, tuple[Literal[10]])
    assert_type(z.max(axis=1, keepdims=True), np.ndarray[tuple[B, Literal[1]], F64])
    assert_type(z.min(axis=1).shape, tuple[B])
    assert_type(z.argmax(axis=1).shape, tuple[B])  # the dtype: Any in numpy 2.4's stubs, intp in 2.5's
    assert_type(z.argmin(axis=0).shape, tuple[Literal[10]])
    assert_type(z.prod(axis=0).shape, tuple[Literal[10]])
    assert_type(z.std(axis=0).shape, tuple[Literal[10]])
    assert_type(z.var(axis=0).shape, tuple[Literal[10]])
    assert_type(flags.any(axis=1).shape, tuple[B])
    assert_type(flags.all(axis=0).shape, tuple[Literal[10]])
    assert_type(np.sum(z, axis=0).shape, tuple[Literal[10]])
    assert_type(np.mean(z, axis=1).shape, tuple[B])
    assert_type(np.max(z, axis=1, keepdims=True).shape, tuple[B, Literal[1]])
    assert_type(np.amax(z, axis=1).shape, tuple[B])
    assert_type(np.min(z, 0).shape, tuple[Literal[10]])
    assert_type(np.amin(z, axis=0).shape, tuple[Literal[10]])
    assert_type(np.argmax(z, axis=1).shape, tuple[B])
    assert_type(np.argmin(z, axis=1).shape, tuple[B])
    assert_type(np.prod(z, axis=0).shape, tuple[Literal[10]])
    assert_type(np.std(z, axis=1).shape, tuple[B])
    assert_type(np.var(z, axis=1).shape, tuple[B])
    assert_type(np.any(flags, axis=0).shape, tuple[Literal[10]])
    assert_type(np.all(flags, axis=1).shape, tuple[B])
    # A boolean array's sum is counted in integers: its dtype is numpy's stubs' (Any in 2.4, intp in 2.5).
    assert_type(flags.sum(axis=0).shape, tuple[Literal[10]])
    # Reducing every axis gives a scalar, typed by numpy's stubs (Any in 2.4, float64 in 2.5).
    assert_type(float(z.sum()), float)


def more_reductions(z: np.ndarray[tuple[B, Literal[10]], F64]) -> None:
    """``nan`` reductions, ``np.linalg.norm`` along axes, and a ufunc's ``reduce`` (axis 0 by default)."""
    assert_type(np.nanmean(z, axis=0).shape, tuple[Literal[10]])
    assert_type(np.nansum(z, axis=1, keepdims=True).shape, tuple[B, Literal[1]])
    assert_type(np.nanmax(z, axis=1).shape, tuple[B])
    assert_type(np.nanmin(z, axis=0).shape, tuple[Literal[10]])
    assert_type(np.nanstd(z, axis=0).shape, tuple[Literal[10]])
    assert_type(np.nanvar(z, axis=1).shape, tuple[B])
    assert_type(np.linalg.norm(z, axis=1).shape, tuple[B])
    assert_type(np.linalg.norm(z, 2, 0).shape, tuple[Literal[10]])
    assert_type(np.add.reduce(z).shape, tuple[Literal[10]])
    assert_type(np.maximum.reduce(z, axis=1).shape, tuple[B])


def one_hot(logits: np.ndarray[tuple[Literal[16], Literal[10]], F64]) -> None:
    # np.exp gives an array of unknown dtype: argmax's indices are integers all the same, so indexing
    # np.eye with them is integer-array indexing (the result kept no shape before).
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    onehot = np.eye(10)[probabilities.argmax(axis=1)]
    assert_type(onehot.shape, tuple[Literal[16], Literal[10]])
    assert_type((probabilities - onehot).shape, tuple[Literal[16], Literal[10]])
    assert_type(np.eye(10)[np.argmin(probabilities, axis=0)].shape, tuple[Literal[10], Literal[10]])
