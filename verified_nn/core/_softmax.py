"""Numerically stable softmax, log-softmax and log-sum-exp over the last axis."""

from typing import Any

import numpy as np

from ._checking import checked
from ._shapes import Floating, FloatT, ShapeT


def _shifted(z: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    # Subtracting the row maximum leaves every result unchanged and keeps exp() <= 1: no overflow.
    shifted: np.ndarray[Any, Any] = z - z.max(axis=-1, keepdims=True)
    return shifted


def _log_softmax(z: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    shifted = _shifted(z)
    result: np.ndarray[Any, Any] = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return result


def softmax_unchecked(z: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The kernel of :func:`softmax`, unchecked: for callers that checked their arguments."""
    exp = np.exp(_shifted(z))
    result: np.ndarray[Any, Any] = exp / exp.sum(axis=-1, keepdims=True)
    return result


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
    return _log_softmax(logits)


@checked
def logsumexp(
    logits: Floating[np.ndarray[ShapeT, np.dtype[FloatT]], "*batch classes"],
) -> Floating[np.ndarray[tuple[int, ...], np.dtype[FloatT]], "*batch"]:
    """``log sum_j exp(z_j)`` over the last axis, computed as ``m + log sum_j exp(z_j - m)``.

    Returns shape ``(*batch,)``.
    """
    peak = logits.max(axis=-1, keepdims=True)
    result: Floating[np.ndarray[tuple[int, ...], np.dtype[FloatT]], "*batch"] = (
        peak + np.log(np.exp(logits - peak).sum(axis=-1, keepdims=True))
    )[..., 0]
    return result
