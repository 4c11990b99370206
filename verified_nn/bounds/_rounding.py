"""Rounding as a strategy of every rule: plain arithmetic for training, outward rounding for certificates.

Two kinds of floating point meet in a bound. The *bound's own arithmetic* (``Rounding.dtype``, float64 for
certificates) rounds each product and sum; with ``outward`` every result a certificate rests on is moved
outward by a rigorous bound on that rounding (Higham, *Accuracy and Stability of Numerical Algorithms*,
Lemma 3.1: ``|fl(sum p_i) - sum p_i| <= gamma_n sum |p_i|`` in any order, ``gamma_n = n u / (1 - n u)``,
plus one underflow per product) and one ``nextafter``. The *deployed network* (``Rounding.deployed``,
float32 for the library's models) rounds too: each of its layers is treated as the real layer plus a
bounded noise per neuron (:meth:`Rounding.dot_noise`, :meth:`Rounding.kernel_noise`), so one bound covers
the real network and the deployed one at once, whatever order BLAS sums in. ``Rounding.none()`` turns all
of this off: the same rules in the network's dtype, differentiable, for certified training.
"""

import dataclasses
from typing import Any, Final, TypeAlias

import numpy as np

from ._errors import BoundsError

Array: TypeAlias = np.ndarray[Any, Any]

F32: Final = np.dtype(np.float32)
F64: Final = np.dtype(np.float64)
# An error term computed in float64 from non-negative numbers with at most a few thousand roundings is at
# least half its exact value: doubling it makes it an upper bound of the exact one (docs/certification.md).
SLACK_FACTOR: Final = 2.0


def _float_dtype(dtype: Any, what: str) -> np.dtype[Any]:
    resolved: np.dtype[Any] = np.dtype(dtype)
    if resolved not in (F32, F64):
        raise BoundsError(f"{what} must be float32 or float64, got {resolved}")
    return resolved


def unit_roundoff(dtype: Any) -> float:
    """``u``: half the machine epsilon of ``dtype`` (2**-24 for float32, 2**-53 for float64)."""
    return float(np.finfo(_float_dtype(dtype, "dtype")).eps) / 2


def smallest_normal(dtype: Any) -> float:
    """The smallest normal number of ``dtype``: the absolute error of one underflow, even flushed to zero."""
    return float(np.finfo(_float_dtype(dtype, "dtype")).tiny)


def gamma(n: float | Array, u: float) -> Any:
    """``gamma_n = n u / (1 - n u)``, rounded up; ``inf`` where ``n u >= 1/2`` (no useful bound)."""
    nu = np.asarray(n, dtype=np.float64) * u
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(nu < 0.5, np.nextafter(nu / np.nextafter(1 - nu, 0), np.inf), np.inf)
    return value if value.ndim else float(value)


@dataclasses.dataclass(frozen=True)
class Rounding:
    """How bounds treat floating point: which dtype they compute in, whether they are made rigorous, and
    which deployed dtype's rounding they include. Build one with :meth:`none` or :meth:`outward`."""

    dtype: np.dtype[Any]  # the dtype every bound is computed in
    outward: bool  # move results outward by a rigorous bound on their own rounding
    deployed: np.dtype[Any] | None  # the dtype the deployed network computes in (its rounding is noise); None: real

    @staticmethod
    def none(dtype: Any = np.float32) -> "Rounding":
        """Plain arithmetic in ``dtype``, no allowance for any rounding: the bounds of certified training."""
        return Rounding(_float_dtype(dtype, "Rounding.none: dtype"), False, None)

    @staticmethod
    def sound(*, deployed: Any | None = np.float32, dtype: Any = np.float64) -> "Rounding":
        """Rigorous bounds computed in ``dtype`` for the real network and, unless ``deployed`` is None, for
        the network as that dtype computes it (each layer's rounding as bounded noise): certificates."""
        resolved = _float_dtype(dtype, "Rounding.sound: dtype")
        return Rounding(resolved, True, None if deployed is None else _float_dtype(deployed, "deployed dtype"))

    # The bound's own arithmetic.

    @property
    def u(self) -> float:
        """The unit roundoff of the bounds' dtype."""
        return unit_roundoff(self.dtype)

    def down(self, x: Array) -> Array:
        """A value at or below the exact result of one rounded operation (``x`` itself when not outward)."""
        return np.nextafter(x, -np.inf) if self.outward else x

    def up(self, x: Array) -> Array:
        """A value at or above the exact result of one rounded operation (``x`` itself when not outward)."""
        return np.nextafter(x, np.inf) if self.outward else x

    def sum_error(self, absolute: Any, terms: int) -> Any:
        """Rigorous error of a sum of ``terms`` rounded products whose absolute values total ``absolute``
        (0 when not outward): ``2 (gamma_terms absolute + terms tiny)``, doubled to cover its own rounding."""
        if not self.outward:
            return 0.0
        return SLACK_FACTOR * (gamma(terms + 1, self.u) * absolute + (2 * terms + 2) * smallest_normal(self.dtype))

    def product_error(self, absolute: Any) -> Any:
        """Rigorous error of elementwise products whose absolute values are ``absolute`` (one rounding each)."""
        if not self.outward:
            return 0.0
        return SLACK_FACTOR * (self.u * absolute + smallest_normal(self.dtype))

    # The deployed network's rounding, as noise per neuron.

    @property
    def noisy(self) -> bool:
        """Whether a deployed dtype's rounding is included."""
        return self.deployed is not None

    def dot_noise(self, products: Array, terms: int, output: Array) -> Array:
        """Bound on ``|fl(fl(w . a) + b) - (w . a + b)|`` in the deployed dtype, for any summation order, with
        or without fused multiply-adds: ``products >= |w| . |a|`` over ``terms`` products, ``output >= |w . a + b|``.

        ``s^ = fl(w . a)`` errs by at most ``gamma_n |w| . |a|`` plus one underflow per operation (Higham,
        Lemma 3.1); adding the bias rounds once more, by ``u |s^ + b| <= u (output + gamma_n products)``.
        ``inf`` where a partial sum could overflow. ``products`` and this sum are computed in the bounds' own
        dtype from at most ``terms + 3`` roundings each, hence the factor ``1 + 2 gamma_{terms + 4}`` (in the
        bounds' unit roundoff) that covers that computation's own rounding, in float32 as in float64.
        """
        assert self.deployed is not None
        u, tiny = unit_roundoff(self.deployed), smallest_normal(self.deployed)
        largest = float(np.finfo(self.deployed).max)
        g = gamma(terms, u)
        noise = g * products + u * (output + g * products) + (2 * terms + 3) * tiny
        own = max(2.0**-29, 2 * gamma(terms + 4, self.u))
        result: Array = np.where(products + output < largest / 4, self.up(noise * (1 + own)), np.inf)
        return result

    def kernel_noise(self, magnitude: Array, relative: float, absolute: float) -> Array:
        """Bound on the deployed rounding of an elementwise kernel whose result has magnitude at most
        ``magnitude``: ``gamma_relative |y| + absolute tiny`` (``relative`` in units of ``u``)."""
        assert self.deployed is not None
        if relative == 0 and absolute == 0:
            return np.zeros_like(magnitude)
        noise = gamma(relative, unit_roundoff(self.deployed)) * magnitude
        noise = noise + absolute * smallest_normal(self.deployed)
        result: Array = self.up(noise * (1 + max(2.0**-29, 8 * self.u)))  # a few roundings of this computation
        return result

    def kernel_noise_in_bounds(self, value: Array, relative: float, absolute: float) -> Array:
        """The declared error of an elementwise kernel evaluated in the bounds' own dtype (outward only)."""
        if not self.outward:
            return np.zeros_like(value)
        slack = gamma(relative + 1, self.u) * np.abs(value) + (absolute + 1) * smallest_normal(self.dtype)
        result: Array = self.up(slack)
        return result
