"""Linear bounds of an elementwise activation over ``[l, u]``: ``lo_s z + lo_t <= f(z) <= up_s z + up_t``.

Two families, chosen by what the activation declares (``verified_nn.layers.Activation``):

- **kinked**: ``f(z) = a z`` for ``z <= 0`` and ``c z`` for ``z >= 0`` with ``a < c`` (ReLU, leaky ReLU).
  Exact where the sign is known; otherwise the chord above and any line ``alpha z`` with ``a <= alpha <= c``
  below (the free slope of alpha-CROWN; CROWN takes ``c`` when ``u >= -l``, else ``a``).
- **smooth**, nondecreasing and convex, concave or s-shaped (convex below the inflection ``c``, concave
  above): a chord on the side where the graph bends away from it, a tangent at the midpoint on the other;
  across the inflection, lines through ``(l, f(l))`` and ``(u, f(u))`` whose slopes are at most the chord's
  and the derivative's there (CROWN, Zhang et al. 2018).

With outward rounding every line is sound *as stored*: values of ``f`` are moved out by the kernel's
declared error, slopes that a proof needs to be at most (or at least) a derivative are rigorous secant
bounds of it, and a tangent's intercept is lowered by the largest effect of its slope's uncertainty.
"""

import dataclasses
from typing import Any, TypeAlias

import numpy as np

from verified_nn.layers import Activation

from ._rounding import Rounding, gamma, smallest_normal

Array: TypeAlias = np.ndarray[Any, Any]


@dataclasses.dataclass(frozen=True)
class Lines:
    """Per value ``(domains, *shape)``: the lower line ``lo_s z + lo_t`` and the upper line ``up_s z + up_t``;
    ``free`` marks where the lower slope may be chosen (unstable kinked neurons), within ``[low, high]``."""

    lo_s: Array
    lo_t: Array
    up_s: Array
    up_t: Array
    free: Array | None = None
    low: Array | None = None
    high: Array | None = None


def kinked(pieces: tuple[float, float], lower: Array, upper: Array, rounding: Rounding) -> Lines:
    """The ReLU family's lines on ``[lower, upper]`` (see the module docstring); lower slopes are CROWN's."""
    a, c = pieces
    active, inactive = lower >= 0, upper <= 0
    unstable = ~(active | inactive)
    safe_low = np.where(unstable, lower, -1.0)  # finite divisions for the stable values
    safe_high = np.where(unstable, upper, 1.0)
    chord = (c * safe_high - a * safe_low) / (safe_high - safe_low)  # in [a, c]; a few roundings, no cancellation
    if rounding.outward:
        chord = rounding.up(chord * (1 + 8 * rounding.u))
    up_s = np.where(active, c, np.where(inactive, a, chord))
    # The chord through (l, a l): s z + (s - a)(-l), and (s - a)(-l) >= 0, each rounding moved up.
    up_t = np.where(unstable, rounding.up(rounding.up(up_s - a) * -safe_low), 0.0)
    lo_s = np.where(active, c, np.where(inactive, a, np.where(upper >= -lower, c, a)))
    zeros = np.zeros_like(lower)
    return Lines(
        lo_s.astype(lower.dtype),
        zeros,
        up_s.astype(lower.dtype),
        up_t.astype(lower.dtype),
        free=unstable,
        low=np.full_like(lower, a),
        high=np.full_like(lower, c),
    )


def _values(layer: Activation, z: Array, rounding: Rounding) -> tuple[Array, Array]:
    """``(below, above)``: bounds on the real ``f(z)`` from the kernel's value and its declared error."""
    value = layer.function(z)
    if not rounding.outward:
        return value, value
    relative, absolute = layer.float_error or (0.0, 0.0)
    slack = rounding.up(
        gamma(relative + 1, rounding.u) * np.abs(value) + (absolute + 1) * smallest_normal(rounding.dtype)
    )
    return rounding.down(value - slack), rounding.up(value + slack)


def _slope_below(top: Array, bottom: Array, width: Array, rounding: Rounding) -> Array:
    """A number at most ``(top - bottom) / width`` for any values within the given bounds (``width > 0``)."""
    return rounding.down(rounding.down(top - bottom) / width) if rounding.outward else (top - bottom) / width


def _slope_above(top: Array, bottom: Array, width: Array, rounding: Rounding) -> Array:
    return rounding.up(rounding.up(top - bottom) / width) if rounding.outward else (top - bottom) / width


def smooth(layer: Activation, lower: Array, upper: Array, rounding: Rounding) -> Lines:
    """Lines of a smooth nondecreasing activation (see the module docstring), sound as stored when outward."""
    curvature = layer.curvature
    bend = layer.inflection if curvature == "s-shaped" else (np.inf if curvature == "convex" else -np.inf)
    point = upper <= lower
    width = np.where(point, 1.0, upper - lower)
    step = np.minimum(2.0**-26 * np.maximum(1.0, np.abs(lower) + np.abs(upper)), width / 2)
    fl_lo, fl_hi = _values(layer, lower, rounding)
    fu_lo, fu_hi = _values(layer, upper, rounding)
    chord_lo = _slope_below(fu_lo, fl_hi, width, rounding)  # at most the chord's slope
    chord_hi = _slope_above(fu_hi, fl_lo, width, rounding)  # at least it
    middle = (lower + upper) / 2
    fm_lo, fm_hi = _values(layer, middle, rounding)
    # Rigorous bounds on f'(middle) from secants on either side (both within [l, u], where f bends one way).
    left_lo, left_hi = _values(layer, middle - step, rounding)
    right_lo, right_hi = _values(layer, middle + step, rounding)
    left = (_slope_below(fm_lo, left_hi, step, rounding), _slope_above(fm_hi, left_lo, step, rounding))
    right = (_slope_below(right_lo, fm_hi, step, rounding), _slope_above(right_hi, fm_lo, step, rounding))
    tangent = layer.derivative(middle, layer.function(middle))
    # convex: f'(m) in [left secant, right secant]; concave: in [right secant, left secant].
    d_low = np.where(upper <= bend, left[0], right[0])
    d_high = np.where(upper <= bend, right[1], left[1])
    spread = np.maximum(d_high - tangent, tangent - d_low)
    spread = rounding.up(np.maximum(spread, 0) * (width / 2)) if rounding.outward else np.zeros_like(lower)
    convex, concave = upper <= bend, lower >= bend
    # The tangent at the middle: f(m) + f'(m)(z - m), lowered (raised) by the effect of f'(m)'s uncertainty.
    tan_t_lo = rounding.down(rounding.down(fm_lo - rounding.up(tangent * middle)) - spread)
    tan_t_hi = rounding.up(rounding.up(fm_hi - rounding.down(tangent * middle)) + spread)

    def through_l_lo(slope: Array) -> Array:  # the intercept of a line of this slope at or below (l, f(l))
        result: Array = rounding.down(fl_lo - rounding.up(slope * lower))
        return result

    def through_u_hi(slope: Array) -> Array:  # ... at or above (u, f(u))
        result: Array = rounding.up(fu_hi - rounding.down(slope * upper))
        return result

    # Across the inflection: slopes at most the chord's and the derivative's at the end (secants beyond it).
    beyond_l = _slope_below(fl_lo, _values(layer, lower - step, rounding)[1], step, rounding)
    beyond_u = _slope_below(_values(layer, upper + step, rounding)[0], fu_hi, step, rounding)
    cross_lo = np.maximum(np.minimum(chord_lo, beyond_l), 0)
    cross_hi = np.maximum(np.minimum(chord_lo, beyond_u), 0)
    lo_s = np.where(convex, tangent, np.where(concave, chord_lo, cross_lo))
    lo_t = np.where(convex, tan_t_lo, np.where(concave, through_l_lo(chord_lo), through_l_lo(cross_lo)))
    up_s = np.where(convex, chord_hi, np.where(concave, tangent, cross_hi))
    chord_t = rounding.up(fl_hi - rounding.down(chord_hi * lower))  # the chord through (l, f(l)), raised
    up_t = np.where(convex, chord_t, np.where(concave, tan_t_hi, through_u_hi(cross_hi)))
    # A point interval: the constant lines through its value.
    lo_s, up_s = np.where(point, 0.0, lo_s), np.where(point, 0.0, up_s)
    lo_t, up_t = np.where(point, fl_lo, lo_t), np.where(point, fu_hi, up_t)
    dtype = lower.dtype
    return Lines(lo_s.astype(dtype), lo_t.astype(dtype), up_s.astype(dtype), up_t.astype(dtype))
