"""Numerically stable softmax, log-softmax and log-sum-exp over the last axis.

The kernels work on rows, ``(B, C)``, with both sizes in their signatures so that the shape plugin checks
every reduction and broadcast in them; arrays of any rank go through them as ``(-1, C)`` views.
"""

from typing import Any, TypeAlias

import numpy as np
from jaxtyping import Shaped

from ._checking import checked
from ._shapes import Floating, FloatT, OfDType, ShapeT

# Rows of scores: B rows (a batch) of C classes, any dtype; ``B`` and ``C`` are shared by the parameters and
# the return of each kernel.
Rows: TypeAlias = Shaped[np.ndarray, "B C"]


def _shifted(z: Rows) -> Rows:
    # Subtracting the row maximum leaves every result unchanged and keeps exp() <= 1: no overflow.
    return z - z.max(axis=1, keepdims=True)  # (B, C) - (B, 1)


def softmax_rows(z: Rows) -> Rows:
    """Softmax of each row, unchecked: ``exp(z - m) / sum exp(z - m)``."""
    exp = np.exp(_shifted(z))  # (B, C)
    return exp / exp.sum(axis=1, keepdims=True)  # (B, C) / (B, 1)


def log_softmax_rows(z: Rows) -> Rows:
    """Log-softmax of each row, unchecked: ``z - m - log sum exp(z - m)``."""
    shifted = _shifted(z)  # (B, C)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # (B, C) - (B, 1)


def logsumexp_rows(z: Rows) -> Shaped[np.ndarray, " B"]:
    """``log sum exp`` of each row, unchecked: ``m + log sum exp(z - m)``."""
    peak = z.max(axis=1, keepdims=True)  # (B, 1)
    return (peak + np.log(np.exp(z - peak).sum(axis=1, keepdims=True)))[:, 0]  # (B, 1) -> (B,)


def _rows(z: np.ndarray[Any, Any]) -> Rows:
    # Any rank as rows over the last axis: a view for the contiguous arrays the library makes.
    return z.reshape(-1, z.shape[-1])


def softmax_unchecked(z: Shaped[np.ndarray, "*shape"]) -> Shaped[np.ndarray, "*shape"]:
    """The kernel of :func:`softmax`, any rank, unchecked: for callers that checked their arguments."""
    return softmax_rows(_rows(z)).reshape(z.shape)


@checked
def softmax(
    logits: Floating[np.ndarray[ShapeT, np.dtype[FloatT]], "*batch classes"],
) -> Floating[np.ndarray[ShapeT, np.dtype[FloatT]], "*batch classes"]:
    """Softmax over the last axis: ``exp(z_i - m) / sum_j exp(z_j - m)`` with ``m = max_j z_j``.

    Args:
        logits: ``(*batch, classes)``, float32 or float64.
    Returns:
        ``(*batch, classes)``, same dtype; every row is a probability distribution.
    """
    return softmax_unchecked(logits)


@checked
def log_softmax(
    logits: Floating[np.ndarray[ShapeT, np.dtype[FloatT]], "*batch classes"],
) -> Floating[np.ndarray[ShapeT, np.dtype[FloatT]], "*batch classes"]:
    """Log of softmax over the last axis: ``z_i - m - log sum_j exp(z_j - m)``; finite for finite z."""
    return log_softmax_rows(_rows(logits)).reshape(logits.shape)


@checked
def logsumexp(
    logits: Floating[np.ndarray[ShapeT, np.dtype[FloatT]], "*batch classes"],
) -> Floating[OfDType[FloatT], "*batch"]:
    """``log sum_j exp(z_j)`` over the last axis, computed as ``m + log sum_j exp(z_j - m)``.

    Returns shape ``(*batch,)``.
    """
    return logsumexp_rows(_rows(logits)).reshape(logits.shape[:-1])
