"""Deciding from the float logits and their error bounds whether exact arithmetic picks the same class."""

from typing import Final

import numpy as np

from verified_nn.core import checked

from ._arrays import Bounds, Classes, Flags, Logits

NO_CLASS: Final = -1  # where a class is not known (an exact tie, or undecided)


@checked
def float_classes(logits: Logits) -> Classes:
    """``(batch,)``: the predicted class, ``argmax`` of the float logits (the first index among equals)."""
    result: Classes = np.argmax(logits, axis=1)
    return result


@checked
def decided_by_bound(logits: Logits, bounds: Bounds) -> Flags:
    """``(batch,)`` bool: True where the bounds prove that the real argmax is the float class, and unique.

    With ``t`` the float class and ``e`` the bounds, that holds when for every other class ``j``
    ``z^_t - e_t > z^_j + e_j``: then ``z_t >= z^_t - e_t > z^_j + e_j >= z_j``. Both sides are computed
    in float64 (one rounding each, and rounding is monotone, so the computed comparison cannot hold
    unless the real one does) and, as a margin on top, moved one step outward with ``nextafter``.
    A float tie at the top is never decided here (its margin is 0); NaN decides nothing.
    """
    values = logits.astype(np.float64)
    rows = np.arange(len(values))
    top = float_classes(logits)
    with np.errstate(over="ignore", invalid="ignore"):
        lower = np.nextafter(values[rows, top] - bounds[rows, top], -np.inf)  # (batch,)
        upper = np.nextafter(values + bounds, np.inf)  # (batch, classes)
    upper[rows, top] = -np.inf
    result: Flags = lower > upper.max(axis=1)
    return result
