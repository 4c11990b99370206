"""Mean cross-entropy loss from logits and integer labels, and its gradient with respect to the logits.

The kernel names the batch and the classes in its jaxtyping signature (logits ``(batch, classes)``,
labels ``(batch,)``), so the shape plugin checks its body, and calls with a batch of logits and labels of
different static sizes are reported.
"""

from typing import Any

import numpy as np
from jaxtyping import Integer, Shaped

from ._checking import checked
from ._errors import InvalidArgumentError
from ._shapes import Floating, FloatT, OfDType


def _check_labels(labels: np.ndarray[Any, Any], classes: int) -> None:
    if labels.shape[0] == 0:
        raise InvalidArgumentError("cross-entropy of an empty batch is undefined")
    low, high = labels.min(), labels.max()
    if low < 0 or high >= classes:
        raise InvalidArgumentError(f"labels must lie in [0, {classes}), got range [{low}, {high}]")


def cross_entropy_and_gradient(
    logits: Shaped[np.ndarray, "batch classes"], labels: Integer[np.ndarray, " batch"], *, seed: float = 1.0
) -> tuple[float, Shaped[np.ndarray, "batch classes"]]:
    """Loss and ``seed`` times its gradient in one pass, sharing the exponentials.

    Unchecked: for callers that checked their arguments. ``seed`` scales the gradient only (backprop
    passes the SGD factor ``-lr`` here), at no extra cost: it joins the ``1 / batch`` factor. Generic in
    the element type: ``verified_nn.proofs`` runs it on arrays of exact symbolic numbers, whose loss is
    returned exact, not as a float.
    """
    _check_labels(labels, logits.shape[1])
    batch = logits.shape[0]
    rows = np.arange(batch)  # (batch,)
    shifted = logits - logits.max(axis=1, keepdims=True)  # (batch, classes)
    exp = np.exp(shifted)  # (batch, classes)
    sums = exp.sum(axis=1, keepdims=True)  # (batch, 1)
    total = (np.log(sums).sum() - shifted[rows, labels].sum()) / batch
    # A Python float for float32/float64; exact elements (object arrays, verified_nn.proofs) stay exact.
    loss: float = total if logits.dtype == object else float(total)
    scale = seed / batch
    gradient = exp * (scale / sums)  # scale * softmax, (batch, classes)
    gradient[rows, labels] -= scale
    return loss, gradient


@checked
def cross_entropy(
    logits: Floating[OfDType[FloatT], "batch classes"],
    labels: Integer[np.ndarray, " batch"],
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
    logits: Floating[OfDType[FloatT], "batch classes"],
    labels: Integer[np.ndarray, " batch"],
) -> Floating[OfDType[FloatT], "batch classes"]:
    """Gradient of :func:`cross_entropy` with respect to the logits: ``(softmax(z) - onehot(y)) / B``.

    Returns shape ``(batch, classes)``, the dtype of ``logits``.
    """
    return cross_entropy_and_gradient(logits, labels)[1]
