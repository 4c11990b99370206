"""Rigorous enclosures of the real logits at each image, from the bound core, and the float error they bound.

At a single input (a box of width 0) the bound core's interval pass with outward rounding
(``Rounding.sound(deployed=None)``, float64) gives each real logit within a few units of float64 rounding:
``lower <= z <= upper``. With the float logit ``z^`` in hand, ``max(z^ - lower, upper - z^)`` bounds
``|z^ - z|``: a per-logit bound on the float network's error that costs about three float64 forward passes
and assumes nothing about how the float network summed (docs/float-check.md).
"""

from typing import Any, Final

import numpy as np

from verified_nn.bounds import Box, Rounding, interval_bounds
from verified_nn.network import Network

from ._arrays import Bounds, Inputs, Logits

REAL: Final = Rounding.sound(deployed=None)


def enclose(network: Network[Any, Any], inputs: Inputs) -> tuple[Bounds, Bounds]:
    """``(lower, upper)``, ``(batch, classes)`` float64: every real logit at ``inputs`` (in the network's dtype)
    lies between them."""
    point = inputs.astype(np.float64)
    out = interval_bounds(network, Box(point, point), rounding=REAL).output
    return out.lower, out.upper


def logit_bounds(network: Network[Any, Any], inputs: Inputs, logits: Logits) -> Bounds:
    """``(batch, classes)`` float64: a bound on ``|float logit - real logit|`` for every logit (inf where the
    float pass overflowed). ``inputs`` are in the network's dtype; ``logits`` its float logits for them."""
    lower, upper = enclose(network, inputs)
    # The enclosures have the logits' classes axis, which enclose's signature (inputs only) cannot name.
    return error_bounds(logits, lower, upper)  # type: ignore[arg-type]


def error_bounds(logits: Logits, lower: Bounds, upper: Bounds) -> Bounds:
    """``max(z^ - lower, upper - z^)``, rounded up: ``|z^ - z|`` for every real ``z`` in ``[lower, upper]``."""
    out = Box(lower, upper)
    values = logits.astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        bound = np.maximum(np.nextafter(values - out.lower, np.inf), np.nextafter(out.upper - values, np.inf))
    result: Bounds = np.where(np.isfinite(bound), np.maximum(bound, 0.0), np.inf)
    return result
