"""A safety property in VNNLIB's sense: regions of inputs, and for each the output conditions that violate it.

The property is *violated* (the answer is ``sat``) when some input ``x`` of some region's box gives
outputs ``y`` that meet one of that region's conjunctions, every row ``c . y <= d`` (``< d`` if strict).
Numbers are exact rationals as written in the file, and membership and violation are decided exactly
on the float values a network takes and gives, so a counterexample is checked without rounding.
"""

import dataclasses
import functools
from fractions import Fraction
from typing import Any, TypeAlias

import numpy as np

from ._errors import SpecError

Array: TypeAlias = np.ndarray[Any, Any]


def _float_at_most(value: Fraction, dtype: Any) -> Any:
    """The largest number of ``dtype`` at most ``value``."""
    kind = np.dtype(dtype).type
    nearest = kind(float(value))  # float() of a Fraction rounds to nearest; the dtype may round again
    while Fraction(float(nearest)) > value:
        nearest = np.nextafter(nearest, kind(-np.inf))
    while Fraction(float(np.nextafter(nearest, kind(np.inf)))) <= value:
        nearest = np.nextafter(nearest, kind(np.inf))
    return nearest


def _float_at_least(value: Fraction, dtype: Any) -> Any:
    kind = np.dtype(dtype).type
    return -_float_at_most(-value, kind)


@dataclasses.dataclass(frozen=True)
class Box:
    """``lower[i] <= x_i <= upper[i]`` for every input, with exact bounds."""

    lower: tuple[Fraction, ...]
    upper: tuple[Fraction, ...]

    def __post_init__(self) -> None:
        if len(self.lower) != len(self.upper):
            raise SpecError(f"a box needs as many lower bounds ({len(self.lower)}) as upper ({len(self.upper)})")

    @property
    def empty(self) -> bool:
        """Whether some lower bound exceeds its upper bound: no input at all."""
        return any(low > high for low, high in zip(self.lower, self.upper, strict=True))

    @functools.cached_property
    def _outer(self) -> tuple[Array, Array]:
        lower = np.array([_float_at_most(v, np.float64) for v in self.lower], dtype=np.float64)
        upper = np.array([_float_at_least(v, np.float64) for v in self.upper], dtype=np.float64)
        return lower, upper

    def outer(self) -> tuple[Array, Array]:
        """float64 ``(lower, upper)`` that contain the box (rounded outward); fresh arrays."""
        lower, upper = self._outer
        return lower.copy(), upper.copy()

    def inner(self, dtype: Any) -> tuple[Array, Array]:
        """``(lower, upper)`` in ``dtype`` inside the box: every point between them is an input of the box.

        SpecError when the box holds no number of ``dtype`` on some axis.
        """
        lower = np.array([_float_at_least(v, dtype) for v in self.lower], dtype=dtype)
        upper = np.array([_float_at_most(v, dtype) for v in self.upper], dtype=dtype)
        if np.any(lower > upper):
            axis = int(np.flatnonzero(lower > upper)[0])
            raise SpecError(f"X_{axis}: no {np.dtype(dtype)} number lies in [{self.lower[axis]}, {self.upper[axis]}]")
        return lower, upper

    def contains(self, x: Array) -> bool:
        """Whether the point ``x`` (any float dtype) lies in the box, decided exactly."""
        x = np.asarray(x)
        if x.shape != (len(self.lower),) or not np.isfinite(x).all():
            return False
        outer_low, outer_high = self._outer
        if np.any(x < outer_low) or np.any(x > outer_high):
            return False
        close = np.flatnonzero((x <= np.nextafter(outer_low, np.inf)) | (x >= np.nextafter(outer_high, -np.inf)))
        return all(self.lower[i] <= Fraction(float(x[i])) <= self.upper[i] for i in close)


@dataclasses.dataclass(frozen=True)
class Row:
    """``sum_j coefficients[j] y_j <= bound`` (``<`` if ``strict``), exact."""

    coefficients: tuple[Fraction, ...]
    bound: Fraction
    strict: bool = False

    def holds(self, y: Array) -> bool:
        """Whether the row holds at the float outputs ``y``, decided exactly."""
        total = sum((c * Fraction(float(v)) for c, v in zip(self.coefficients, y, strict=True) if c), Fraction(0))
        return total < self.bound if self.strict else total <= self.bound


@dataclasses.dataclass(frozen=True)
class Conjunct:
    """Rows that must all hold: one way to violate the property."""

    rows: tuple[Row, ...]

    def holds(self, y: Array) -> bool:
        return all(row.holds(y) for row in self.rows)

    def matrix(self, outputs: int) -> tuple[Array, Array, Array]:
        """float64 ``(C, d, slack)`` over ``outputs`` outputs: a real ``y`` meeting every row has
        ``C y - slack |y| <= d``, row by row.

        ``C`` holds the coefficients rounded to nearest, ``slack`` their rounding error (an upper bound),
        ``d`` the bounds rounded up; a proof that ``C y - slack |y| > d`` for some row refutes the conjunct.
        """
        coefficients = np.array([[float(c) for c in row.coefficients] for row in self.rows], dtype=np.float64)
        exact = [[abs(Fraction(float(c)) - c) for c in row.coefficients] for row in self.rows]
        slack = np.array([[_float_at_least(e, np.float64) for e in row] for row in exact], dtype=np.float64)
        bounds = np.array([_float_at_least(row.bound, np.float64) for row in self.rows], dtype=np.float64)
        return coefficients.reshape(len(self.rows), outputs), bounds, slack.reshape(len(self.rows), outputs)


@dataclasses.dataclass(frozen=True)
class Region:
    """A box of inputs and the conjunctions whose meeting, at any input of the box, violates the property."""

    box: Box
    conjuncts: tuple[Conjunct, ...]

    def violated_by(self, x: Array, y: Array) -> bool:
        """Whether the input ``x`` lies in the box and its outputs ``y`` meet one of the conjunctions."""
        return self.box.contains(x) and any(conjunct.holds(y) for conjunct in self.conjuncts)


@dataclasses.dataclass(frozen=True)
class Property:
    """Regions of a network with ``inputs`` inputs and ``outputs`` outputs: violated if any region is."""

    inputs: int
    outputs: int
    regions: tuple[Region, ...]

    def violated_by(self, x: Array, y: Array) -> bool:
        """Whether the input ``x`` with outputs ``y`` is a counterexample, decided exactly."""
        y = np.asarray(y).reshape(-1)
        if y.shape != (self.outputs,) or not np.isfinite(y).all():
            return False
        return any(region.violated_by(x, y) for region in self.regions)

    def check_network(self, inputs: int, outputs: int) -> None:
        """SpecError unless the network takes ``inputs`` values and gives ``outputs``."""
        if (inputs, outputs) != (self.inputs, self.outputs):
            raise SpecError(
                f"the property speaks of {self.inputs} inputs and {self.outputs} outputs; "
                f"the network takes {inputs} and gives {outputs}"
            )

    @property
    def rows(self) -> int:
        """The number of output rows over all regions and conjunctions."""
        return sum(len(c.rows) for r in self.regions for c in r.conjuncts)
