"""Linear relaxation by back-substitution (CROWN / DeepPoly style), rounded outward, never looser than IBP.

A linear objective ``Lam z_k`` is rewritten layer by layer down to the input: through a dense layer
exactly (``Lam (W a + b)``), through an activation by a linear bound on each neuron chosen by the sign
of its coefficient (Zhang et al. 2018). Each rewrite is computed in float64; its rounding error, bounded
rigorously, is carried in an error term and subtracted at the end. Every layer's bounds are intersected
with interval bounds, so the result is never looser than IBP.
"""

from typing import Any, TypeAlias

import numpy as np

from ._ball import Ball
from ._interval import Bounds, activation_interval, affine_interval, elided_margins, interval_bounds
from ._network import DenseNetwork
from ._rounding import TINY64, U64, down, slack, up

Array: TypeAlias = np.ndarray[Any, Any]


def relaxation(network: DenseNetwork, i: int, low: Array, high: Array) -> tuple[Array, Array, Array]:
    """Linear bounds on activation ``i`` over ``[low, high]``: ``g z <= act(z) <= s z + t``.

    Returns ``(g, s, t)`` per neuron. Stable neurons are exact (``g = s``, ``t = 0``). An unstable one
    (``low < 0 < high``) gets the lower slope 1 or the leaky slope, whichever side is wider, and the
    chord through ``(low, act(low))`` and ``(high, high)`` above it, its slope rounded up so that the
    line, taken with the stored float values exactly, lies above the activation on the whole interval.
    """
    leak = network.deployed_slope(i)
    active, inactive = low >= 0, high <= 0
    unstable = ~(active | inactive)
    lower_slope = np.where(active, 1.0, np.where(inactive, leak, np.where(high >= -low, 1.0, leak)))
    safe_low = np.where(unstable, low, -1.0)  # keeps the division finite for stable neurons
    safe_high = np.where(unstable, high, 1.0)
    chord = (safe_high - leak * safe_low) / (safe_high - safe_low)  # four roundings, no cancellation
    chord = up(chord * (1 + 8 * U64))
    upper_slope = np.where(active, 1.0, np.where(inactive, leak, chord))
    # t = (chord - leak) * (-low) >= 0, each rounding moved up: the stored line is at or above the chord.
    intercept = np.where(unstable, up(up(upper_slope - leak) * -safe_low), 0.0)
    return lower_slope, upper_slope, intercept


def back_substitute(network: DenseNetwork, k: int, coefficients: Array, bounds: Bounds, ball: Ball) -> Array:
    """Rigorous lower bounds on each row of ``coefficients @ z_k`` over the ball, ``(rows, n_k) -> (rows,)``.

    ``bounds`` must hold sound bounds for layers ``0 .. k-1`` (they choose the relaxations).
    """
    lam = np.asarray(coefficients, dtype=np.float64)
    constant = np.zeros(lam.shape[0])
    error = np.zeros(lam.shape[0])  # rigorous bound on the rounding of everything computed so far
    for i in range(k, -1, -1):
        w, w_abs, b = network.exact[i]
        lam_abs = np.abs(lam)
        previous = ball_magnitude(ball) if i == 0 else bounds.magnitude(i - 1)  # bounds |a_{i-1}|
        # lam z_i + c = (lam W) a + (lam b + c): the two products round; their errors times |a| are bounded.
        error += slack(lam_abs @ np.abs(b) + np.abs(constant), w.shape[0] + 1)
        error += slack(lam_abs @ (w_abs @ previous), w.shape[0]) + 2 * w.shape[0] * TINY64 * previous.sum()
        constant = constant + lam @ b
        product = lam @ w  # (rows, n_{i-1})
        if i == 0:
            lam = product
            break
        lower_slope, upper_slope, intercept = relaxation(network, i - 1, bounds.lower[i - 1], bounds.upper[i - 1])
        slope = np.where(product >= 0, lower_slope, upper_slope)  # (rows, n_{i-1})
        negative = np.minimum(product, 0)
        magnitude = bounds.magnitude(i - 1)
        # Each product * slope rounds once (relative 2**-53, or one underflow), then meets |z_{i-1}|.
        error += 2 * (
            U64 * (np.abs(product) @ (np.maximum(lower_slope, upper_slope) * magnitude)) + TINY64 * magnitude.sum()
        )
        error += slack(np.abs(negative) @ intercept + np.abs(constant), w.shape[1] + 1)
        constant = constant + negative @ intercept
        lam = product * slope
    positive, negative = np.maximum(lam, 0), np.minimum(lam, 0)
    lower = positive @ ball.lower + negative @ ball.upper + constant
    error += slack(np.abs(lam) @ ball_magnitude(ball) + np.abs(constant), 2 * lam.shape[1] + 2)
    result: Array = down(lower - error)
    return result


def ball_magnitude(ball: Ball) -> Array:
    """An upper bound on ``|x|`` over the ball."""
    result: Array = np.maximum(np.abs(ball.lower), np.abs(ball.upper))
    return result


def linear_bounds(network: DenseNetwork, ball: Ball, *, intervals: Bounds | None = None) -> Bounds:
    """Every layer's bounds by back-substitution, each intersected with IBP (from the tightened layer below).

    The first layer is affine in the input, so its interval bounds are already the exact range (up to
    rounding); back-substitution starts at the second layer.
    """
    plain = intervals if intervals is not None else interval_bounds(network, ball)
    lowers, uppers = [plain.lower[0]], [plain.upper[0]]
    for k in range(1, len(network.weights)):
        below = Bounds(lower=tuple(lowers), upper=tuple(uppers))
        a_low, a_high = activation_interval(network, k - 1, lowers[k - 1], uppers[k - 1])
        z_low, z_high = affine_interval(network, k, a_low, a_high)
        low, high = np.maximum(z_low, plain.lower[k]), np.minimum(z_high, plain.upper[k])
        if k < len(network.slopes):  # hidden layers choose the next relaxations: tighten them too
            n = network.weights[k].shape[0]
            both = back_substitute(network, k, np.vstack([np.eye(n), -np.eye(n)]), below, ball)
            low, high = np.maximum(low, both[:n]), np.minimum(high, -both[n:])
        lowers.append(low)
        uppers.append(high)
    return Bounds(lower=tuple(lowers), upper=tuple(uppers))


def specification(classes: int, label: int) -> Array:
    """The rows ``e_label - e_j`` for every ``j != label``: ``(classes - 1, classes)``."""
    others = [j for j in range(classes) if j != label]
    rows = np.zeros((classes - 1, classes))
    rows[np.arange(classes - 1), label] = 1.0
    rows[np.arange(classes - 1), others] = -1.0
    return rows


def linear_margins(network: DenseNetwork, ball: Ball, label: int, bounds: Bounds) -> Array:
    """Lower bounds on ``z_label - z_j`` per class (``+inf`` at ``label``): back-substitution, or IBP if tighter."""
    classes = network.widths[-1]
    others = [j for j in range(classes) if j != label]
    crown = back_substitute(network, len(network.weights) - 1, specification(classes, label), bounds, ball)
    margins = elided_margins(network, bounds, ball, label)
    margins[others] = np.maximum(margins[others], crown)
    return margins
