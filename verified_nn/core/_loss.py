"""Mean cross-entropy loss from logits and integer labels, and its gradient with respect to the logits."""

from typing import Any, TypeAlias

import numpy as np
from jaxtyping import Integer

from ._checking import checked
from ._errors import InvalidArgumentError
from ._shapes import Floating, FloatT, IntDType

Labels: TypeAlias = Integer[np.ndarray[tuple[int], IntDType], " batch"]


def _check_labels(labels: np.ndarray[Any, Any], classes: int) -> None:
    if labels.shape[0] == 0:
        raise InvalidArgumentError("cross-entropy of an empty batch is undefined")
    low, high = labels.min(), labels.max()
    if low < 0 or high >= classes:
        raise InvalidArgumentError(f"labels must lie in [0, {classes}), got range [{low}, {high}]")


def cross_entropy_and_gradient(
    logits: np.ndarray[Any, Any], labels: np.ndarray[Any, Any], *, seed: float = 1.0
) -> tuple[float, np.ndarray[Any, Any]]:
    """Loss and ``seed`` times its gradient in one pass, sharing the exponentials.

    Unchecked: for callers that checked their arguments. ``seed`` scales the gradient only (backprop
    passes the SGD factor ``-lr`` here), at no extra cost: it joins the ``1 / batch`` factor.
    """
    _check_labels(labels, logits.shape[1])
    batch = logits.shape[0]
    rows = np.arange(batch)
    shifted = logits - logits.max(axis=1, keepdims=True)  # (batch, classes)
    exp = np.exp(shifted)
    sums = exp.sum(axis=1, keepdims=True)  # (batch, 1)
    loss = float((np.log(sums).sum() - shifted[rows, labels].sum()) / batch)
    scale = seed / batch
    gradient = exp * (scale / sums)  # scale * softmax, (batch, classes)
    gradient[rows, labels] -= scale
    return loss, gradient


@checked
def cross_entropy(
    logits: Floating[np.ndarray[tuple[int, int], np.dtype[FloatT]], "batch classes"], labels: Labels
) -> float:
    """Mean cross-entropy ``-(1/B) sum_b log softmax(z_b)[y_b]`` of a batch.

    Args:
        logits: ``(batch, classes)``.
        labels: ``(batch,)`` integers in ``[0, classes)``.
    Returns:
        The mean loss, a Python float >= 0.
    """
    return cross_entropy_and_gradient(logits, labels)[0]


@checked
def cross_entropy_gradient(
    logits: Floating[np.ndarray[tuple[int, int], np.dtype[FloatT]], "batch classes"], labels: Labels
) -> Floating[np.ndarray[tuple[int, int], np.dtype[FloatT]], "batch classes"]:
    """Gradient of :func:`cross_entropy` with respect to the logits: ``(softmax(z) - onehot(y)) / B``.

    Returns shape ``(batch, classes)``, the dtype of ``logits``.
    """
    return cross_entropy_and_gradient(logits, labels)[1]
