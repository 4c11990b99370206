"""The IEEE 754 binary formats a network computes in, and the rounding constants of the error model.

For round-to-nearest in a format with ``p`` significand bits, every operation whose result is in the
normal range satisfies ``fl(x op y) = (x op y)(1 + d)`` with ``|d| <= u = 2^-p`` (the unit roundoff),
and also ``|fl(x op y) - (x op y)| <= u |fl(x op y)|``. Results below the normal range are allowed an
extra absolute error of at most the smallest normal number ``lam`` (this covers gradual underflow and
flush-to-zero alike).
"""

import dataclasses
from typing import Any, Final

import numpy as np

from ._errors import FloatCheckError

# Every quantity of the bound is computed in float64; this is its unit roundoff.
BOUND_ROUNDOFF: Final = 2.0**-53


@dataclasses.dataclass(frozen=True)
class FloatFormat:
    """One binary floating-point format and its rounding constants."""

    dtype: np.dtype[Any]  # float32 or float64
    precision: int  # significand bits p, the implicit bit included: 24 or 53
    unit_roundoff: float  # u = 2^-p, the largest relative error of one rounding to nearest
    smallest_normal: float  # lam = 2^-126 or 2^-1022, the absolute allowance of one underflowing operation


FLOAT32: Final = FloatFormat(np.dtype(np.float32), 24, 2.0**-24, 2.0**-126)
FLOAT64: Final = FloatFormat(np.dtype(np.float64), 53, 2.0**-53, 2.0**-1022)


def float_format(dtype: Any) -> FloatFormat:
    """The format of ``dtype``, which must be float32 or float64."""
    resolved = np.dtype(dtype)
    for known in (FLOAT32, FLOAT64):
        if resolved == known.dtype:
            return known
    raise FloatCheckError(f"float check: the network must compute in float32 or float64, got {resolved}")


def gamma(terms: np.ndarray[Any, Any], unit_roundoff: float) -> np.ndarray[Any, Any]:
    """``gamma_n = n u / (1 - n u)`` for each count ``n`` in ``terms``, rounded upward (float64).

    ``gamma_n`` bounds the relative error accumulated by ``n`` roundings: ``|prod (1 + d_i) - 1| <= gamma_n``
    for ``|d_i| <= u`` (Higham, Accuracy and Stability of Numerical Algorithms, Lemma 3.1). It is
    infinite when ``n u >= 1``. ``n u`` is exact (``u`` is a power of two); the denominator is rounded
    down and the quotient up, one step of ``nextafter`` each, so the result is never below the real value.
    """
    numerator = np.asarray(terms, dtype=np.float64) * unit_roundoff
    denominator = np.nextafter(1.0 - numerator, -np.inf)
    with np.errstate(divide="ignore"):
        quotient = np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1.0), np.inf)
    return np.where(numerator > 0, np.nextafter(quotient, np.inf), 0.0)
