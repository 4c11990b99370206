"""The deployed affine layer's float rounding, bounded as a line in the magnitude of its input.

The deployed layer computes ``s^ = fl(A x^)`` and ``z^ = fl(s^ + b)``: ``|s^ - A x^| <= gamma_n |A| |x^| + 2n
tiny`` in any summation order (Higham, Lemma 3.1), and the bias adds ``u |s^ + b| <= u (M + gamma_n |A| |x^|)``
with ``M >= |A x + b|`` over the box, so each output's error is at most

    |e| <= f |A| |x^| + k,    f = gamma_n (1 + u),    k = u M + (2n + 3) tiny

in the deployed dtype (:func:`factor`, :func:`offset`). In back-substitution ``|x|`` is replaced by a line
``s x + t`` above it on the box (:func:`abs_line`), so the rounding is charged at the bound's own worst input
rather than at every input's largest magnitude at once (:func:`linear_noise`).
"""

import dataclasses
from typing import Any, TypeAlias

import numpy as np

from ._box import Box
from ._rounding import SLACK_FACTOR, Rounding, gamma, smallest_normal, unit_roundoff
from ._rule import rows_dot

Array: TypeAlias = np.ndarray[Any, Any]


@dataclasses.dataclass(frozen=True)
class LinearNoise:
    """The deployed layer's rounding as a back-substitution step took it: ``|e| <= factor |A| (s x + t) +
    offset``."""

    factor: Array  # (domains,)
    s: Array  # (domains, *in)
    t: Array  # (domains, *in)
    offset: Array  # (domains, *out)


def factor(box: Box, terms: int, rounding: Rounding) -> Array:
    """``(domains,)``: ``f = gamma_n (1 + u)`` of the deployed dtype, ``n`` the products that can be nonzero.

    An input that is exactly 0 in a domain adds exact zeros, whatever the order: ``n`` counts the others (at
    most ``terms``, the layer's products per output).
    """
    assert rounding.deployed is not None
    nonzero = np.count_nonzero((box.lower != 0) | (box.upper != 0), axis=tuple(range(1, box.lower.ndim)))
    n = np.minimum(nonzero, terms)
    u = unit_roundoff(rounding.deployed)
    value: Array = rounding.up(gamma(n, u) * (1 + u) * (1 + 4 * rounding.u))
    return value


def offset(output: Array, terms: int, rounding: Rounding) -> Array:
    """``(domains, *out)``: ``u M + (2n + 3) tiny`` of the deployed dtype, ``output`` ``M >= |A x + b|``."""
    assert rounding.deployed is not None
    u, tiny = unit_roundoff(rounding.deployed), smallest_normal(rounding.deployed)
    value: Array = rounding.up((u * output + (2 * terms + 3) * tiny) * (1 + 4 * rounding.u))
    return value


def abs_line(box: Box, rounding: Rounding) -> tuple[Array, Array, bool]:
    """``(s, t)`` ``(domains, *shape)`` with ``|x| <= s x + t`` for every ``x`` in the box: ``x`` itself where the
    box is non-negative, ``-x`` where it is non-positive, else the chord through ``(l, -l)`` and ``(u, u)``
    (any slope ``s`` in ``[-1, 1]`` holds with ``t = max(-l (1 + s), u (1 - s))``, rounded up); and whether
    any value's box straddles 0 (else ``t`` is 0)."""
    low, high = box.lower, box.upper
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        chord = np.clip((high + low) / (high - low), -1.0, 1.0)
        s = np.where(low >= 0, 1.0, np.where(high <= 0, -1.0, np.nan_to_num(chord, nan=0.0)))
        t = np.maximum(rounding.up(-low * rounding.up(1 + s)), rounding.up(high * rounding.up(1 - s)))
    signed = (low >= 0) | (high <= 0)
    t = np.where(signed, 0.0, t)
    return s.astype(rounding.dtype), t.astype(rounding.dtype), not bool(signed.all())


def linear_noise(
    absolute: Array,
    below: Array,
    weight: Array,
    noise: LinearNoise,
    straddles: bool,
    box: Box,
    rounding: Rounding,
    *,
    transpose_terms: int,
) -> tuple[Array, Array, Array]:
    """The rounding as a linear lower bound in the layer's input: ``-|lam| . e >= -c . (s x + t) - |lam| . k``
    with ``c >= f |A|^T |lam|``.

    ``absolute`` is ``|lam|`` ``(domains, rows, *out)``, ``below`` the coefficients ``A^T lam`` on the input and
    ``weight`` ``|A|^T |lam|`` ``(domains, rows, *in)`` each (``weight`` summing ``transpose_terms`` products).
    Returns the new coefficients on the input and the noise and the error to add, ``(domains, rows)`` each.
    """
    domains = absolute.shape[0]
    # weight's own rounding and this product's, folded into one scalar rounded up (no nextafter per value):
    own = (1 + 2 * gamma(transpose_terms + 4, rounding.u)) * (1 + 4 * rounding.u)
    c = weight * (noise.factor.reshape(domains, 1, *([1] * (weight.ndim - 2))) * own)
    s, t = noise.s, noise.t
    negative = not straddles and bool(np.any(s < 0))
    shift = c * s[:, np.newaxis] if straddles or negative else c  # s = 1 on a non-negative box (after a ReLU)
    below = below - shift
    magnitude = box.magnitude()
    # below - c s rounds twice per value (the product, the difference), each by u of its result and an
    # underflow, and c itself may underflow: met by |x| <= magnitude, doubled as every error term here.
    spread = rows_dot(np.abs(below), magnitude) + rows_dot(c, np.abs(s) * magnitude)
    tiny = smallest_normal(rounding.dtype) * magnitude.reshape(domains, -1).sum(axis=1).reshape(domains, 1)
    error = SLACK_FACTOR * (rounding.u * spread + 3 * tiny)
    count_in, count_out = int(np.prod(box.shape)), int(np.prod(absolute.shape[2:]))
    constant = rows_dot(c, t) * (1 + 4 * gamma(count_in, rounding.u)) if straddles else 0.0
    constant = rounding.up(constant + rows_dot(absolute, noise.offset) * (1 + 4 * gamma(count_out, rounding.u)))
    return below, constant, error
