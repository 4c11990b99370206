"""Reductions along axes the array does not have."""

from typing import Literal, TypeVar

import numpy as np

B = TypeVar("B", bound=int)
F64 = np.dtype[np.float64]


def reductions(z: np.ndarray[tuple[B, Literal[10]], F64], flags: np.ndarray[tuple[B, Literal[10]], np.dtype[np.bool]]) -> None:
    z.sum(axis=2)  # E: [shape] sum: axis 2 is out of range for rank 2 (z: (B, 10))
    z.mean(axis=-3)  # E: [shape] mean: axis -3 is out of range for rank 2 (z: (B, 10))
    z.max(axis=(0, 0))  # E: [shape] max: axis (0, 0) repeats an axis (z: (B, 10))
    z.argmax(axis=2)  # E: [shape] argmax: axis 2 is out of range for rank 2 (z: (B, 10))
    np.sum(z, axis=5)  # E: [shape] sum: axis 5 is out of range for rank 2 (z: (B, 10))
    np.argmax(z, axis=2)  # E: [shape] argmax: axis 2 is out of range for rank 2 (z: (B, 10))
    z.min(axis=2)  # E: [shape] min: axis 2 is out of range for rank 2 (z: (B, 10))
    z.argmin(axis=2)  # E: [shape] argmin: axis 2 is out of range for rank 2 (z: (B, 10))
    z.prod(axis=2)  # E: [shape] prod: axis 2 is out of range for rank 2 (z: (B, 10))
    z.std(axis=2)  # E: [shape] std: axis 2 is out of range for rank 2 (z: (B, 10))
    z.var(axis=2)  # E: [shape] var: axis 2 is out of range for rank 2 (z: (B, 10))
    flags.any(axis=2)  # E: [shape] any: axis 2 is out of range for rank 2 (flags: (B, 10))
    flags.all(axis=2)  # E: [shape] all: axis 2 is out of range for rank 2 (flags: (B, 10))
    np.mean(z, axis=2)  # E: [shape] mean: axis 2 is out of range for rank 2 (z: (B, 10))
    np.max(z, axis=2)  # E: [shape] max: axis 2 is out of range for rank 2 (z: (B, 10))
    np.amax(z, axis=2)  # E: [shape] max: axis 2 is out of range for rank 2 (z: (B, 10))
    np.min(z, axis=2)  # E: [shape] min: axis 2 is out of range for rank 2 (z: (B, 10))
    np.amin(z, axis=2)  # E: [shape] min: axis 2 is out of range for rank 2 (z: (B, 10))
    np.argmin(z, axis=2)  # E: [shape] argmin: axis 2 is out of range for rank 2 (z: (B, 10))
    np.prod(z, axis=2)  # E: [shape] prod: axis 2 is out of range for rank 2 (z: (B, 10))
    np.std(z, axis=2)  # E: [shape] std: axis 2 is out of range for rank 2 (z: (B, 10))
    np.var(z, axis=2)  # E: [shape] var: axis 2 is out of range for rank 2 (z: (B, 10))
    np.any(flags, axis=2)  # E: [shape] any: axis 2 is out of range for rank 2 (flags: (B, 10))
    np.all(flags, axis=2)  # E: [shape] all: axis 2 is out of range for rank 2 (flags: (B, 10))


def wrong_axis_for_the_bias_gradient(
    dz: np.ndarray[tuple[B, Literal[128]], F64],
) -> np.ndarray[tuple[Literal[128]], F64]:
    """The bias gradient sums over the batch (axis 0); summing over axis 1 gives shape (B,)."""
    return dz.sum(axis=1)  # E: [return-value] Incompatible return value type (got "ndarray[tuple[B], dtype[float64]]", expected "ndarray[tuple[Literal[128]], dtype[float64]]")


def more_reductions(z: np.ndarray[tuple[B, Literal[10]], F64]) -> None:
    np.nanmean(z, axis=2)  # E: [shape] nanmean: axis 2 is out of range for rank 2 (z: (B, 10))
    np.nansum(z, axis=-3)  # E: [shape] nansum: axis -3 is out of range for rank 2 (z: (B, 10))
    np.nanmax(z, axis=(1, 1))  # E: [shape] nanmax: axis (1, 1) repeats an axis (z: (B, 10))
    np.nanmin(z, axis=2)  # E: [shape] nanmin: axis 2 is out of range for rank 2 (z: (B, 10))
    np.nanstd(z, axis=2)  # E: [shape] nanstd: axis 2 is out of range for rank 2 (z: (B, 10))
    np.nanvar(z, axis=2)  # E: [shape] nanvar: axis 2 is out of range for rank 2 (z: (B, 10))
    np.linalg.norm(z, axis=(0, 0))  # E: [shape] norm: axis (0, 0) repeats an axis (z: (B, 10))
    np.add.reduce(z, axis=3)  # E: [shape] reduce: axis 3 is out of range for rank 2 (z: (B, 10))


def one_hot(
    logits: np.ndarray[tuple[Literal[16], Literal[10]], F64], flat: np.ndarray[tuple[Literal[16], Literal[784]], F64]
) -> None:
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    onehot = np.eye(10)[probabilities.argmax(axis=1)]
    flat @ (probabilities - onehot)  # E: [shape] matmul: inner sizes differ: 784 (flat: (16, 784)) and 16 (probabilities - onehot: (16, 10))
