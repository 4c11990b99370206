"""Worst-case logits from interval bounds: the last dense layer folded into the margins, and its backward.

For label ``y`` and every class ``j`` the margin ``z_j - z_y = (W_j - W_y) h + b_j - b_y`` is linear in the
last hidden box ``h in [mu - r, mu + r]``, so its largest value is exact (Gowal et al. 2018, elision of the
last layer): ``m_j = (W_j - W_y) mu + b_j - b_y + |W_j - W_y| r``. The vector ``m`` (0 at ``y``) is the
worst case the ball allows: its cross-entropy against ``y`` is the robust part of the certified loss, and
every ``m_j < 0`` (``j != y``) proves that ``y`` keeps the largest logit.
"""

from typing import Any, TypeAlias

import numpy as np

from verified_nn.layers import Dense

Array: TypeAlias = np.ndarray[Any, Any]


def _groups(labels: Array) -> list[tuple[int, Array]]:
    """``(class, indices of the rows with that label)`` for each class present."""
    return [(int(label), np.flatnonzero(labels == label)) for label in np.unique(labels)]


def interval_margins(last: Dense[Any, Any], mu: Array, r: Array, labels: Array) -> tuple[Array, Any]:
    """``(m, cache)``: upper bounds ``m[b, j]`` on ``z_j - z_{y_b}`` over the box ``(mu, r)`` ``(batch, in)``.

    ``m`` is ``(batch, classes)`` with ``m[b, y_b] = 0``.
    """
    weights = last.weights  # (classes, in)
    center = mu @ weights.T  # (batch, classes)
    center += last.bias
    rows = np.arange(len(labels))
    worst = center - center[rows, labels][:, np.newaxis]  # (batch, classes), 0 at the label
    groups = _groups(labels)
    for label, where in groups:
        # |W_j - W_y| for every j, (classes, in): one product per label present, not per pair of classes.
        worst[where] += r[where] @ np.abs(weights - weights[label]).T
    return worst, (mu, r, labels, groups)


def interval_margins_backward(last: Dense[Any, Any], d_worst: Array, cache: Any) -> tuple[Array, Array, Any]:
    """``(d_mu, d_r, grads)`` from the gradient ``d_worst`` ``(batch, classes)`` of the loss w.r.t. ``m``."""
    mu, r, labels, groups = cache
    weights = last.weights
    rows = np.arange(len(labels))
    # m_j = c_j - c_y + R_j: dc_k = dm_k - [k = y] sum_j dm_j (at k = y the two terms cancel, as m_y = 0).
    d_center = d_worst.copy()
    d_center[rows, labels] -= d_worst.sum(axis=1)
    d_weights = (mu.T @ d_center).T  # (classes, in)
    d_bias = d_center.sum(axis=0)
    d_mu = d_center @ weights  # (batch, in)
    d_r = np.empty_like(r)
    for label, where in groups:
        difference = weights - weights[label]  # W_j - W_y, (classes, in)
        d_r[where] = d_worst[where] @ np.abs(difference)
        # R_j = |W_j - W_y| r: d(W_j - W_y) = sign(W_j - W_y) * (dm_j r); W_j gets it, W_y gets minus their sum.
        spread = np.sign(difference) * (d_worst[where].T @ r[where])  # (classes, in)
        d_weights += spread
        d_weights[label] -= spread.sum(axis=0)
    return d_mu, d_r, last.with_parameters([d_weights.astype(weights.dtype, copy=False), d_bias])
