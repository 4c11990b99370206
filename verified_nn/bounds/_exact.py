"""Exact evaluation of the real network: integers scaled by a power of two, and ``arb`` balls past the first
non-rational layer. Each rule's ``exact`` and ``balls`` run the layer's own forward pass on such values.

Every finite float is ``m 2^e``, so an array of floats is exactly ``M 2^-S`` for Python integers ``M`` and one
shift ``S`` (:class:`Scaled`). Products, sums, maxima and the ReLU family keep that form: a layer with
parameters runs its own forward pass on the integers with its parameters as integers at a common shift
(inside ``symbolic_arrays()``, where layers accept object arrays), so the whole pass is exact with no
rounding and much faster than ``fractions.Fraction``. A function that is not rational (tanh, the logistic
sigmoid) raises :class:`NotRationalError`; from there ``balls`` evaluates the rest in ball arithmetic.
"""

import dataclasses
from fractions import Fraction
from typing import Any, TypeAlias

import numpy as np

from verified_nn.layers import Layer
from verified_nn.layers._layer import symbolic_arrays

from ._errors import BoundsError

Array: TypeAlias = np.ndarray[Any, Any]


class NotRationalError(BoundsError):
    """A layer whose exact value is not rational (tanh): the exact pass cannot continue past it."""


@dataclasses.dataclass(frozen=True)
class Scaled:
    """The exact array ``values * 2^-shift``: ``values`` holds Python integers (object dtype)."""

    values: Array  # any shape, dtype object, Python ints
    shift: int  # >= 0

    def fractions(self) -> list[Any]:
        """The values as nested lists of ``Fraction`` (for checking and display)."""
        denominator = 1 << self.shift
        result: list[Any] = np.vectorize(lambda m: Fraction(m, denominator), otypes=[object])(self.values).tolist()
        return result

    def with_shift(self, shift: int) -> "Scaled":
        """The same numbers written with a larger ``shift``."""
        if shift < self.shift:
            raise ValueError("a shift can only grow")
        return Scaled(self.values * (1 << (shift - self.shift)), shift)


def dyadic(value: float) -> tuple[int, int]:
    """``(m, s)`` with ``value == m / 2^s`` exactly, ``s >= 0`` (``value`` a finite float)."""
    numerator, denominator = Fraction(value).as_integer_ratio()
    return numerator, denominator.bit_length() - 1  # a float's denominator is a power of two


def scaled(array: Array) -> Scaled:
    """The exact value of a float32 or float64 array as integers and one shift."""
    values = np.asarray(array)
    if values.dtype not in (np.float32, np.float64) or not np.isfinite(values).all():
        raise BoundsError("exact pass: expected finite float32 or float64 values")
    precision = np.finfo(values.dtype).nmant + 1
    mantissas, exponents = np.frexp(values.astype(np.float64))  # values = mantissas 2^exponents, |m| in [0.5, 1)
    integers = np.ldexp(mantissas, precision).astype(np.int64)  # exact: at most `precision` bits
    exponents = exponents.astype(np.int64) - precision  # values = integers 2^exponents
    nonzero = integers != 0
    shift = int(max(0, -exponents[nonzero].min())) if nonzero.any() else 0
    lifts = np.where(nonzero, exponents + shift, 0).astype(object)  # >= 0
    return Scaled(integers.astype(object) << lifts, shift)


def exact_with_parameters(layer: Layer[Any, Any], values: Scaled) -> Scaled:
    """An affine layer ``A x + b`` on exact values: its own forward pass on integers, the weights as integers
    and the bias at the product's shift (so that the layer's own addition is exact)."""
    weights, *rest = layer.parameters()
    w = scaled(weights)
    biases = [scaled(b) for b in rest]
    shift = max([values.shift + w.shift, *(b.shift for b in biases)])
    lifted = Scaled(w.values, w.shift).with_shift(shift - values.shift)
    with symbolic_arrays():
        copy = layer.with_parameters([lifted.values, *(b.with_shift(shift).values for b in biases)])
        out: Array = copy.forward(values.values)[0]
    return Scaled(out, shift)


def own_forward(layer: Layer[Any, Any], values: Array) -> Array:
    """The layer's own forward pass on an object array (integers or balls), parameters unchanged."""
    with symbolic_arrays():
        result: Array = layer.forward(values)[0]
    return result


def balls_with_parameters(layer: Layer[Any, Any], values: Array, arb: Any) -> Array:
    """A layer with parameters on balls: its own forward pass with the parameters as (exact) balls."""
    to_ball = np.vectorize(lambda v: arb(float(v)), otypes=[object])
    with symbolic_arrays():
        copy = layer.with_parameters([to_ball(p) for p in layer.parameters()])
        result: Array = copy.forward(values)[0]
    return result
