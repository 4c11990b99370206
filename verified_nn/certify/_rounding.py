"""Floating-point error constants and outward rounding: the arithmetic every bound in certify relies on.

Two precisions meet here. The *deployed* network computes in its dtype (float32 or float64), whose unit
roundoff ``u`` and forward-error constant ``gamma(n) = n u / (1 - n u)`` bound its rounding
(Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., Lemma 3.1 and eq. (3.4)). The
*bounds* are computed in float64, and every float64 result that a certificate depends on is moved
outward: by ``nextafter`` after a single rounded operation, and by an explicit error term (``slack``)
after a matrix product. See docs/certification.md for the argument.
"""

from typing import Any, Final, TypeAlias

import numpy as np

from ._errors import CertifyError

Array: TypeAlias = np.ndarray[Any, Any]

F64: Final = np.dtype(np.float64)
U64: Final = float(np.finfo(np.float64).eps) / 2  # unit roundoff of float64, 2**-53
TINY64: Final = float(np.finfo(np.float64).tiny)  # smallest normal float64: covers underflow, even flushed

# Computed error bounds are sums of non-negative terms evaluated in float64 with at most a few thousand
# roundings each, so each is at least (1 - gamma_K) >= 1/2 of its exact value: doubling makes it an
# upper bound of the exact one. docs/certification.md spells this out.
SLACK_FACTOR: Final = 2.0


def unit_roundoff(dtype: Any) -> float:
    """The unit roundoff ``u`` of ``dtype``: half the machine epsilon (2**-24 for float32, 2**-53 for float64)."""
    kind = np.dtype(dtype)
    if kind not in (np.dtype(np.float32), F64):
        raise CertifyError(f"certify handles float32 and float64 networks, got {kind}")
    return float(np.finfo(kind).eps) / 2


def tiny(dtype: Any) -> float:
    """The smallest normal number of ``dtype``: an upper bound on the absolute error of one underflow."""
    return float(np.finfo(np.dtype(dtype)).tiny)


def gamma(n: int, u: float) -> float:
    """``gamma_n = n u / (1 - n u)``: relative forward-error constant of a sum of ``n`` rounded operations."""
    if n * u >= 0.5:
        raise CertifyError(f"no forward-error bound for {n} terms at unit roundoff {u:g}")
    return n * u / (1 - n * u)


def down(x: Array) -> Array:
    """The next float64 below each entry: a lower bound of the exact value of one rounded operation."""
    result: Array = np.nextafter(x, -np.inf)
    return result


def up(x: Array) -> Array:
    """The next float64 above each entry: an upper bound of the exact value of one rounded operation."""
    result: Array = np.nextafter(x, np.inf)
    return result


def slack(absolute: Array, terms: int) -> Array:
    """Rigorous error of a float64 sum of products whose absolute values sum to ``absolute``.

    For any summation order, ``|fl(sum_i p_i) - sum_i p_i| <= gamma_terms * sum_i |p_i|`` plus one
    underflow per product; ``absolute`` is computed in float64 too, hence :data:`SLACK_FACTOR`.
    """
    result: Array = SLACK_FACTOR * (gamma(terms, U64) * absolute + terms * TINY64)
    return result
