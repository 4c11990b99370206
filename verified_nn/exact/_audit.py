"""An audit of the bound on a sample: recompute the real logits exactly and compare every float logit."""

import dataclasses
from fractions import Fraction
from typing import Any

import numpy as np

from verified_nn.core import checked
from verified_nn.network import Network

from ._arrays import Bounds, Flags, Inputs, Logits
from ._rational import exact_logits


@dataclasses.dataclass(frozen=True)
class Audit:
    """The comparison of float and exact logits on a sample of images."""

    images: int  # how many images were recomputed exactly
    violations: int  # logits whose float value lies farther from the real one than the bound allows
    class_mismatches: int  # images decided by the bound whose real class is not the float class
    # The largest |float - real| / bound seen: just below 1, since the bound (error_bounds) is the float
    # logit's distance to the far end of a float64 enclosure of the real one, a few float64 steps wide.
    worst_ratio: float


@checked
def audit(network: Network[Any, Any], inputs: Inputs, logits: Logits, bounds: Bounds, decided: Flags) -> Audit:
    """Check ``|logits - real| <= bounds`` exactly for every logit of ``inputs`` (rational networks).

    Args:
        inputs: ``(sample, in)`` in the network's dtype; ``logits`` their float logits ``(sample, classes)``.
        bounds: ``(sample, classes)`` the bounds to audit; ``decided``: ``(sample,)`` which the bound decided.
    """
    real = exact_logits(network, inputs).fractions()
    violations, mismatches, worst = 0, 0, 0.0
    for row, real_row in enumerate(real):
        errors = [abs(Fraction(float(z)) - r) for z, r in zip(logits[row].tolist(), real_row, strict=True)]
        limits = [Fraction(float(e)) if np.isfinite(e) else None for e in bounds[row].tolist()]
        violations += sum(1 for err, lim in zip(errors, limits, strict=True) if lim is not None and err > lim)
        ratios = [float(err / lim) for err, lim in zip(errors, limits, strict=True) if lim]
        worst = max([worst, *ratios])
        top = max(range(len(real_row)), key=real_row.__getitem__)
        mismatches += int(bool(decided[row]) and top != int(np.argmax(logits[row])))
    return Audit(images=len(real), violations=violations, class_mismatches=mismatches, worst_ratio=worst)
