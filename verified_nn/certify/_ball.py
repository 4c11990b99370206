"""The L-infinity ball of radius eps around an image, clipped to the pixel range [0, 1], held exactly.

The radius is an exact rational (``2/255`` is two 255ths, not its float64 rounding) and the centre is
the image in the network's dtype, so membership is decided exactly. Two float views serve the rest:
an *outer* float64 box that contains the ball (for bounds) and an *inner* box in the network's dtype
that lies inside it (for attacks: every point of the inner box is a valid input of the deployed model).
"""

import dataclasses
import re
from fractions import Fraction
from typing import Any, Final, TypeAlias

import numpy as np

from verified_nn.bounds import Box
from verified_nn.core import Floating

from ._errors import CertifyError

Array: TypeAlias = np.ndarray[Any, Any]
Vector: TypeAlias = Floating[np.ndarray, "*inputs"]

PIXEL_LOW: Final = 0
PIXEL_HIGH: Final = 1
_DECIDED: Final = 1e-12  # float64 differences of numbers in [-2, 2] err by < 1e-15: beyond this, no doubt


def parse_eps(text: str) -> Fraction:
    """An exact radius from ``"2/255"``, ``"0.1"`` or ``"1e-3"``; CertifyError for anything else."""
    cleaned = text.strip()
    if not re.fullmatch(r"[0-9.eE+\-]+(/[0-9.eE+\-]+)?", cleaned):
        raise CertifyError(f"eps must be a number such as 0.01 or a fraction such as 2/255, got {text!r}")
    try:
        numerator, _, denominator = cleaned.partition("/")
        value = Fraction(numerator) / (Fraction(denominator) if denominator else 1)
    except (ValueError, ZeroDivisionError):
        raise CertifyError(f"eps must be a number such as 0.01 or a fraction such as 2/255, got {text!r}") from None
    if not 0 <= value <= 1:
        raise CertifyError(f"eps must lie in [0, 1], got {text}")
    return value


def _float_at_least(value: Fraction) -> float:
    nearest = float(value)
    return nearest if Fraction(nearest) >= value else float(np.nextafter(nearest, np.inf))


def _at_least_center_minus_eps(x: Array, center: Array, eps: Fraction) -> Array:
    """Exactly, per entry: ``x >= center - eps``, deciding in float64 where the gap is clear."""
    gap = (x.astype(np.float64) - center.astype(np.float64)) + float(eps)
    result: Array = gap > _DECIDED
    for i in np.flatnonzero(np.abs(gap) <= _DECIDED):
        result.flat[i] = Fraction(float(x.flat[i])) - Fraction(float(center.flat[i])) + eps >= 0
    return result


def _not_below_lower(x: Array, center: Array, eps: Fraction) -> Array:
    """Exactly, per entry: ``x >= max(0, center - eps)``."""
    result: Array = _at_least_center_minus_eps(x, center, eps) & (x >= PIXEL_LOW)
    return result


def _not_above_upper(x: Array, center: Array, eps: Fraction) -> Array:
    """Exactly, per entry: ``x <= min(1, center + eps)``."""
    result: Array = _at_least_center_minus_eps(-x, -center, eps) & (x <= PIXEL_HIGH)
    return result


@dataclasses.dataclass(frozen=True)
class Ball:
    """``{x : |x - center|_inf <= eps, 0 <= x <= 1}`` with exact ``eps``; build it with :func:`linf_ball`."""

    center: Array  # (n,) the image, in the network's dtype
    eps: Fraction  # the exact radius
    lower: Array  # (n,) float64, at most the ball's exact lower corner
    upper: Array  # (n,) float64, at least the ball's exact upper corner
    inner_lower: Array  # (n,) network dtype, inside the ball
    inner_upper: Array  # (n,) network dtype, inside the ball

    def contains(self, x: Array) -> bool:
        """Whether ``x`` (in any float dtype) lies in the ball, decided exactly."""
        x = np.asarray(x)
        if x.shape != self.center.shape or not np.isfinite(x).all():
            return False
        return bool(
            _not_below_lower(x, self.center, self.eps).all() and _not_above_upper(x, self.center, self.eps).all()
        )

    def project(self, x: Array) -> Array:
        """``x`` clipped into the inner box, in the network's dtype: a point of the ball the model can take."""
        projected: Array = np.clip(np.asarray(x).astype(self.center.dtype), self.inner_lower, self.inner_upper)
        return projected

    def box(self) -> Box:
        """The outer box as one domain of the bound core."""
        return Box(self.lower[np.newaxis], self.upper[np.newaxis])

    def corners(self, signs: Array) -> Array:
        """Inner-box corners chosen by ``signs`` (``(k, n)`` of -1/+1): lower where negative, else upper."""
        chosen: Array = np.where(signs < 0, self.inner_lower, self.inner_upper)
        return chosen


def linf_ball(center: Vector, eps: Fraction | float | str) -> Ball:
    """The ball of radius ``eps`` around ``center`` (an image with pixels in [0, 1]), clipped to [0, 1]."""
    radius = eps if isinstance(eps, Fraction) else parse_eps(eps) if isinstance(eps, str) else Fraction(eps)
    if not 0 <= radius <= 1:
        raise CertifyError(f"eps must lie in [0, 1], got {radius}")
    point: Array = np.asarray(center)
    if point.ndim < 1 or point.dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise CertifyError(f"the centre must be a float32 or float64 array, got {point.dtype}{list(point.shape)}")
    if not (np.isfinite(point).all() and (point >= PIXEL_LOW).all() and (point <= PIXEL_HIGH).all()):
        raise CertifyError("the centre's pixels must lie in [0, 1]")
    c64 = point.astype(np.float64)
    e = _float_at_least(radius)
    lower = np.maximum(np.nextafter(c64 - e, -np.inf), PIXEL_LOW)  # c - e rounds once: one step down is below c - eps
    upper = np.minimum(np.nextafter(c64 + e, np.inf), PIXEL_HIGH)
    return Ball(
        center=point,
        eps=radius,
        lower=lower,
        upper=upper,
        inner_lower=_inner(lower, point, radius, toward=np.inf, inside=_not_below_lower),
        inner_upper=_inner(upper, point, radius, toward=-np.inf, inside=_not_above_upper),
    )


def _inner(outer: Array, center: Array, eps: Fraction, *, toward: float, inside: Any) -> Array:
    # Round the outer corner to the network's dtype (never past the centre), then step towards the
    # centre, which is inside, wherever the exact test says the value fell outside: a step or two.
    values: Array = outer.astype(center.dtype)
    values = np.minimum(values, center) if toward > 0 else np.maximum(values, center)
    outside = ~inside(values, center, eps)
    while outside.any():
        values[outside] = np.nextafter(values[outside], center.dtype.type(toward))
        outside = ~inside(values, center, eps)
    return values
