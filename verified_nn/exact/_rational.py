"""The exact real forward pass of a ReLU-family network, in integers scaled by a power of two.

Every finite float is ``m 2^e`` with integer ``m`` and ``e``, so an array of floats is exactly
``M 2^-S`` for an array of Python integers ``M`` and one shift ``S``. Products, sums and ReLU of such
arrays are again of that form, and so is leaky ReLU (the slope is a float too): the whole forward pass
is exact, with no rounding anywhere, and much faster than ``fractions.Fraction``.
"""

import dataclasses
from fractions import Fraction
from typing import Any

import numpy as np

from verified_nn.core import checked

from ._arrays import Inputs
from ._errors import FloatCheckError
from ._network import Affine, Array, DenseNetwork, Nonlinearity


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
    shift = denominator.bit_length() - 1  # a float's denominator is a power of two
    return numerator, shift


def scaled(array: Array) -> Scaled:
    """The exact value of a float32 or float64 array as integers and one shift."""
    values = np.asarray(array)
    if values.dtype not in (np.float32, np.float64) or not np.isfinite(values).all():
        raise FloatCheckError("exact pass: expected finite float32 or float64 values")
    precision = np.finfo(values.dtype).nmant + 1
    mantissas, exponents = np.frexp(values.astype(np.float64))  # values = mantissas 2^exponents, |m| in [0.5, 1)
    integers = np.ldexp(mantissas, precision).astype(np.int64)  # exact: at most `precision` bits
    exponents = exponents.astype(np.int64) - precision  # values = integers 2^exponents
    nonzero = integers != 0
    shift = int(max(0, -exponents[nonzero].min())) if nonzero.any() else 0
    lifts = np.where(nonzero, exponents + shift, 0).astype(object)  # >= 0
    return Scaled(integers.astype(object) << lifts, shift)


def exact_dense(affine: Affine, inputs: Scaled) -> Scaled:
    """``inputs W^T + b`` exactly: ``(batch, in) -> (batch, out)``."""
    weights, bias = scaled(affine.weights), scaled(affine.bias)
    products = Scaled(inputs.values @ weights.values.T, inputs.shift + weights.shift)  # (batch, out)
    shift = max(products.shift, bias.shift)
    return Scaled(products.with_shift(shift).values + bias.with_shift(shift).values, shift)


def exact_activation(nonlinearity: Nonlinearity, z: Scaled) -> Scaled:
    """ReLU or leaky ReLU, exactly; tanh is not rational and is refused."""
    positive = z.values > 0
    if nonlinearity.kind == "relu":
        return Scaled(np.where(positive, z.values, 0), z.shift)
    if nonlinearity.kind == "leaky_relu":
        numerator, shift = dyadic(nonlinearity.slope)  # z s = z numerator 2^-shift
        return Scaled(np.where(positive, z.values * (1 << shift), z.values * numerator), z.shift + shift)
    raise FloatCheckError("exact pass: tanh is not rational; use the ball pass")


@checked
def exact_logits(network: DenseNetwork, inputs: Inputs) -> Scaled:
    """The real logits ``(batch, classes)`` of ``network`` on ``inputs`` (the exact values of the floats)."""
    current = scaled(np.asarray(inputs, dtype=network.dtype))
    for k, affine in enumerate(network.affines):
        current = exact_dense(affine, current)
        if k < len(network.nonlinearities):
            current = exact_activation(network.nonlinearities[k], current)
    return current


def exact_classes(logits: Scaled) -> tuple[Array, Array]:
    """``(classes, ties)``, both ``(batch,)``: the first index of the exact maximum, and whether it is shared."""
    rows: list[list[int]] = logits.values.tolist()  # one shift for all: compare the integers
    classes = np.array([row.index(max(row)) for row in rows], dtype=np.int64)
    ties = np.array([row.count(max(row)) > 1 for row in rows], dtype=bool)
    return classes, ties
