"""The L-infinity ball of radius eps around an input, clipped to the inputs' range, held exactly.

The input range is what every input coordinate can take: ``[0, 1]`` for pixels (the default), any
``[low, high]``, or unbounded (features of a table). The radius is an exact rational (``2/255`` is two
255ths, not its float64 rounding) and the centre is the input in the network's dtype, so membership is
decided exactly. Two float views serve the rest: an *outer* float64 box that contains the ball (for
bounds) and an *inner* box in the network's dtype that lies inside it (for attacks: every point of the
inner box is a valid input of the deployed model).
"""

import dataclasses
import functools
import math
import re
import sys
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any, Final, TypeAlias

import numpy as np

from verified_nn.bounds import Box
from verified_nn.core import Floating

from ._errors import CertifyError

Array: TypeAlias = np.ndarray[Any, Any]
Vector: TypeAlias = Floating[np.ndarray, "*inputs"]

# float64 sums of a few numbers of magnitude m err by well under 1e-15 m: beyond 1e-12 m, no doubt
_DECIDED: Final = 1e-12
_LARGEST: Final = Fraction(sys.float_info.max)
# The largest input magnitude a ball may reach. Far above any real data, and far enough below float32's
# 3.4e38 that a trained network's layers do not overflow on the way (the driver checks the node bounds too).
MAX_INPUT: Final = 1e15


@dataclasses.dataclass(frozen=True)
class InputRange:
    """Every input coordinate lies in ``[low, high]``; either end may be infinite (``-inf``, ``inf``)."""

    low: float = 0.0
    high: float = 1.0

    def __post_init__(self) -> None:
        if math.isnan(self.low) or math.isnan(self.high) or not self.low < self.high:
            raise CertifyError(f"an input range needs low < high, got [{self.low:g}, {self.high:g}]")
        if self.low == math.inf or self.high == -math.inf:
            raise CertifyError(f"an input range needs low < inf and high > -inf, got [{self.low:g}, {self.high:g}]")

    def __str__(self) -> str:
        if self.low == -math.inf and self.high == math.inf:
            return "unbounded"
        return f"[{self.low:g}, {self.high:g}]"

    def check_radius(self, eps: Fraction) -> None:
        """CertifyError unless ``0 <= eps <= high - low`` (``eps <= MAX_INPUT`` if unbounded)."""
        width = self.high - self.low
        most = width if math.isfinite(width) else MAX_INPUT
        if not 0 <= eps <= Fraction(most):
            text = f"{most:g}"  # short, unless that rounds the width up past it (0.6 - 0.5 is 0.09999999999999998)
            raise CertifyError(
                f"eps must lie in [0, {text if float(text) == most else repr(float(most))}], got {shown(eps)}"
            )

    def holds(self, values: Array) -> bool:
        """Whether every entry of ``values`` is finite and lies in the input range."""
        return bool(np.isfinite(values).all() and (values >= self.low).all() and (values <= self.high).all())


def shown(eps: Fraction) -> str:
    """A radius for messages and tables: exact when short (``2/255 = 0.00784314``, ``0.1``), else six digits
    (``1e-400``: a 400-digit fraction is not echoed whole, nor a radius below float's range shown as 0)."""
    if abs(eps) > _LARGEST:
        return f"{'-' if eps < 0 else ''}more than {float(_LARGEST):g}"
    decimal = f"{_decimal(eps):.6g}"
    text = str(eps)
    if len(text) > 40 or text == decimal:
        return decimal
    return text if eps.denominator == 1 else f"{text} = {decimal}"


def _decimal(value: Fraction) -> Decimal:
    """``value`` to 12 significant digits, however small or large (``float`` would round 1e-400 to 0)."""
    with localcontext() as context:
        context.prec = 12
        return Decimal(value.numerator) / Decimal(value.denominator)


PIXELS: Final = InputRange(0.0, 1.0)
UNBOUNDED: Final = InputRange(-math.inf, math.inf)


def parse_input_range(text: str) -> InputRange:
    """``"pixels"`` ([0, 1]), ``"none"`` (unbounded) or ``"LOW:HIGH"`` (either side may be empty: unbounded)."""
    cleaned = text.strip().lower()
    if cleaned == "pixels":
        return PIXELS
    if cleaned == "none":
        return UNBOUNDED
    low, colon, high = cleaned.partition(":")
    try:
        if not colon:
            raise ValueError
        input_range = InputRange(float(low) if low else -math.inf, float(high) if high else math.inf)
    except (ValueError, CertifyError):
        raise CertifyError(f"an input range is pixels, none or LOW:HIGH with low < high, got {text!r}") from None
    return input_range


def parse_eps(text: str) -> Fraction:
    """An exact radius from ``"2/255"``, ``"0.1"`` or ``"1e-3"``; CertifyError for anything else.

    Any radius >= 0 parses; whether it fits the inputs' range is :meth:`InputRange.check_radius`'s to say.
    """
    cleaned = text.strip()
    if not re.fullmatch(r"[0-9.eE+\-]+(/[0-9.eE+\-]+)?", cleaned):
        raise CertifyError(f"eps must be a number such as 0.01 or a fraction such as 2/255, got {text!r}")
    try:
        numerator, _, denominator = cleaned.partition("/")
        value = Fraction(numerator) / (Fraction(denominator) if denominator else 1)
    except (ValueError, ZeroDivisionError):
        raise CertifyError(f"eps must be a number such as 0.01 or a fraction such as 2/255, got {text!r}") from None
    if value < 0:
        raise CertifyError(f"eps must be >= 0, got {text}")
    return value


def _float_at_least(value: Fraction) -> float:
    nearest = float(value)
    return nearest if Fraction(nearest) >= value else float(np.nextafter(nearest, np.inf))


def _at_least_center_minus_eps(x: Array, center: Array, eps: Fraction) -> Array:
    """Exactly, per entry: ``x >= center - eps``, deciding in float64 where the gap is clear."""
    x64, c64 = x.astype(np.float64), center.astype(np.float64)
    gap = (x64 - c64) + float(eps)
    doubt = _DECIDED * (1.0 + np.abs(x64) + np.abs(c64) + float(eps))
    result: Array = gap > doubt
    for i in np.flatnonzero(np.abs(gap) <= doubt):
        result.flat[i] = Fraction(float(x.flat[i])) - Fraction(float(center.flat[i])) + eps >= 0
    return result


def _not_below_lower(x: Array, center: Array, eps: Fraction, input_range: InputRange) -> Array:
    """Exactly, per entry: ``x >= max(low, center - eps)``."""
    result: Array = _at_least_center_minus_eps(x, center, eps) & (x >= input_range.low)
    return result


def _not_above_upper(x: Array, center: Array, eps: Fraction, input_range: InputRange) -> Array:
    """Exactly, per entry: ``x <= min(high, center + eps)``."""
    result: Array = _at_least_center_minus_eps(-x, -center, eps) & (x <= input_range.high)
    return result


@dataclasses.dataclass(frozen=True)
class Ball:
    """``{x : |x - center|_inf <= eps, low <= x <= high}`` with exact ``eps``; build it with :func:`linf_ball`."""

    center: Array  # (n,) the input, in the network's dtype
    eps: Fraction  # the exact radius
    input_range: InputRange  # the inputs' range the ball is clipped to
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
            _not_below_lower(x, self.center, self.eps, self.input_range).all()
            and _not_above_upper(x, self.center, self.eps, self.input_range).all()
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


def linf_ball(center: Vector, eps: Fraction | float | str, input_range: InputRange = PIXELS) -> Ball:
    """The ball of radius ``eps`` around ``center`` (inside ``input_range``), clipped to it."""
    radius = eps if isinstance(eps, Fraction) else parse_eps(eps) if isinstance(eps, str) else Fraction(eps)
    input_range.check_radius(radius)
    point: Array = np.asarray(center)
    if point.ndim < 1 or point.dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise CertifyError(f"the centre must be a float32 or float64 array, got {point.dtype}{list(point.shape)}")
    if not input_range.holds(point):
        raise CertifyError(f"the centre must be finite and lie in the input range {input_range}")
    c64 = point.astype(np.float64)
    e = _float_at_least(radius)
    lower = np.maximum(np.nextafter(c64 - e, -np.inf), input_range.low)  # c - e rounds once: one step down is below
    upper = np.minimum(np.nextafter(c64 + e, np.inf), input_range.high)
    reach = float(max(np.abs(lower).max(initial=0.0), np.abs(upper).max(initial=0.0)))
    if not reach <= MAX_INPUT:
        raise CertifyError(
            f"eps {shown(radius)} takes the ball to {reach:g}, beyond {MAX_INPUT:g}, the largest input certify "
            f"bounds: give a smaller eps or a bounded input range"
        )
    below, above = (
        functools.partial(_not_below_lower, input_range=input_range),
        functools.partial(_not_above_upper, input_range=input_range),
    )
    return Ball(
        center=point,
        eps=radius,
        input_range=input_range,
        lower=lower,
        upper=upper,
        inner_lower=_inner(lower, point, radius, toward=np.inf, inside=below),
        inner_upper=_inner(upper, point, radius, toward=-np.inf, inside=above),
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
