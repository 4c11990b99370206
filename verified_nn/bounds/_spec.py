"""Specifications: the rows ``C`` whose products ``C y`` with the network's output are bounded.

One convention everywhere: a *margin* of class ``label`` over class ``j`` is ``y_label - y_j``, positive
when the label wins; a certificate needs every margin's lower bound above 0, and certified training
minimises the cross-entropy of the negated margins (the worst-case logits).
"""

from typing import Any, TypeAlias

import numpy as np

from ._errors import BoundsError

Array: TypeAlias = np.ndarray[Any, Any]


def margin_spec(labels: Array, classes: int, *, keep_label: bool = False, dtype: Any = np.float64) -> Array:
    """``(count, rows, classes)``: for each label, the rows ``e_label - e_j`` for every ``j != label``
    (``rows = classes - 1``), or for every ``j`` with a zero row at ``j = label`` (``keep_label``:
    ``rows = classes``)."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer) or np.any((labels < 0) | (labels >= classes)):
        raise BoundsError(f"margin_spec: labels must be integers in [0, {classes}), got {labels!r}")
    count = len(labels)
    rows = np.arange(count)
    spec = np.zeros((count, classes, classes), dtype=dtype)
    spec[rows, :, labels] = 1.0
    spec[:, np.arange(classes), np.arange(classes)] -= 1.0  # row j: e_label - e_j (zero at j = label)
    if keep_label:
        return spec
    keep = np.arange(classes)[np.newaxis, :] != labels[:, np.newaxis]  # (count, classes)
    result: Array = spec[keep].reshape(count, classes - 1, classes)
    return result


def others(label: int, classes: int) -> list[int]:
    """The classes of the rows of ``margin_spec`` for ``label``, in order."""
    return [j for j in range(classes) if j != label]
