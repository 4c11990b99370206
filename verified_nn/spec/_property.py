"""A safety property in VNNLIB's sense: regions of inputs, and for each the output conditions that violate it.

The property is *violated* (the answer is ``sat``) when some input ``x`` of some region's box gives
outputs ``y`` that meet one of that region's conjunctions, every row ``c . y <= d`` (``< d`` if strict).
Numbers are exact rationals as written in the file. The box is a set of reals; a network takes floats,
and a runtime converts a real to its dtype by rounding to nearest, so the inputs of the box in a dtype
are the roundings of its reals: the floats between the roundings of its bounds (rounding is monotone).
A box whose bounds are one real not representable in float32 (a common form: ``X_0 >= 0.42109073316360257``
and ``<= 0.42109073316360257``) thus holds exactly one float32 input, that real rounded. Membership and
violation are decided exactly on those float values, so a counterexample is checked without tolerance.
"""

import dataclasses
import functools
import math
from fractions import Fraction
from typing import Any, TypeAlias

import numpy as np

from ._errors import SpecError

Array: TypeAlias = np.ndarray[Any, Any]
# A row in floats: its coefficients rounded to nearest, its bound rounded up, the coefficients' rounding errors.
RowFloats: TypeAlias = tuple[tuple[float, ...], float, tuple[float, ...]]


def _above(x: Any, numerator: int, denominator: int) -> bool:
    """Whether the finite float ``x`` exceeds ``numerator / denominator`` (``denominator > 0``), exactly: integer
    arithmetic on ``x``'s own ratio, no Fraction built (a million conversions of a large property add up)."""
    p, q = float(x).as_integer_ratio()
    return p * denominator > numerator * q


def _at_most(numerator: int, denominator: int, kind: Any) -> Any:
    """The largest number of ``kind`` at most ``numerator / denominator`` (``denominator > 0``): the largest
    finite one above its range, ``-inf`` below the most negative."""
    largest = kind(np.finfo(kind).max)
    top, scale = float(largest).as_integer_ratio()
    if top * denominator <= numerator * scale:
        return largest
    if -top * denominator > numerator * scale:
        return kind(-np.inf)
    # Integer division rounds to nearest (the range was checked); a float32 may round again. float64 values
    # step as Python floats: math.nextafter is far cheaper than numpy's on scalars.
    value = numerator / denominator if kind is np.float64 else kind(numerator / denominator)
    towards = math.nextafter if kind is np.float64 else np.nextafter
    while _above(value, numerator, denominator):
        value = towards(value, -math.inf)
    while not _above(up := towards(value, math.inf), numerator, denominator):
        value = up
    return kind(value)


def _float_at_most(value: Fraction, dtype: Any) -> Any:
    """The largest number of ``dtype`` at most ``value`` (the largest finite one above it, ``-inf`` below the
    most negative)."""
    return _at_most(value.numerator, value.denominator, np.dtype(dtype).type)


def _float_at_least(value: Fraction, dtype: Any) -> Any:
    return -_at_most(-value.numerator, value.denominator, np.dtype(dtype).type)


def _nearest(value: Fraction, dtype: Any) -> Any:
    """``value`` rounded to the nearest number of ``dtype``, ties to even (IEEE's rounding of a conversion)."""
    kind = np.dtype(dtype).type
    n, d = value.numerator, value.denominator
    low = _at_most(n, d, kind)
    if low == -np.inf or low == np.finfo(kind).max:  # past the most negative number, or from the largest on
        return _overflowed(value, kind)
    p, q = float(low).as_integer_ratio()
    if p * d == n * q:
        return low
    high = np.nextafter(low, kind(np.inf))
    r, t = float(high).as_integer_ratio()
    # value - low against high - value: 2 value against low + high, over the common denominator d q t.
    twice, ends = 2 * n * q * t, (p * t + r * q) * d
    if twice != ends:
        return low if twice < ends else high
    bits = np.array([low]).view(np.int32 if kind == np.float32 else np.int64)[0]
    return low if int(bits) % 2 == 0 else high


def _overflowed(value: Fraction, kind: Any) -> Any:
    """``value`` of magnitude at least ``kind``'s largest finite number, rounded to nearest: infinite from the
    largest plus half its last step on (IEEE 754's round-to-nearest overflow), else the largest."""
    largest = Fraction(float(np.finfo(kind).max))
    step = largest - Fraction(float(np.nextafter(kind(np.finfo(kind).max), kind(0))))
    magnitude = kind(np.inf) if abs(value) >= largest + step / 2 else kind(np.finfo(kind).max)
    return magnitude if value > 0 else -magnitude


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
    def _reals(self) -> tuple[Array, Array]:
        lower = np.array([_float_at_most(v, np.float64) for v in self.lower], dtype=np.float64)
        upper = np.array([_float_at_least(v, np.float64) for v in self.upper], dtype=np.float64)
        return lower, upper

    @functools.cached_property
    def _roundings(self) -> dict[np.dtype[Any], tuple[Array, Array]]:
        return {}

    def _rounded(self, dtype: np.dtype[Any]) -> tuple[Array, Array]:
        """The bounds rounded to nearest in ``dtype``, computed once per dtype (read-only)."""
        if dtype not in self._roundings:
            lower = np.array([_nearest(v, dtype) for v in self.lower], dtype=dtype)
            upper = np.array([_nearest(v, dtype) for v in self.upper], dtype=dtype)
            lower.flags.writeable = upper.flags.writeable = False
            self._roundings[dtype] = (lower, upper)
        return self._roundings[dtype]

    def inner(self, dtype: Any) -> tuple[Array, Array]:
        """The box's inputs in ``dtype``: ``(lower, upper)``, the bounds rounded to nearest; every number of
        ``dtype`` between them is the rounding of a real of the box, and every such rounding lies between."""
        lower, upper = self._rounded(np.dtype(dtype))
        return lower.copy(), upper.copy()

    def outer(self, dtype: Any = np.float64) -> tuple[Array, Array]:
        """float64 ``(lower, upper)`` around both the box's reals and its inputs in ``dtype`` (rounded outward)."""
        lower, upper = self._reals
        inner_lower, inner_upper = self._rounded(np.dtype(dtype))
        return np.minimum(lower, inner_lower), np.maximum(upper, inner_upper)

    def contains(self, x: Array) -> bool:
        """Whether ``x`` (float32 or float64) is an input of the box in its dtype: the rounding of one of its reals."""
        x = np.asarray(x)
        if x.shape != (len(self.lower),) or x.dtype not in (np.float32, np.float64) or not np.isfinite(x).all():
            return False
        lower, upper = self._rounded(x.dtype)
        return bool(np.all(x >= lower) and np.all(x <= upper))


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

    def matrix(
        self, outputs: int, *, cache: dict[int, tuple["Row", RowFloats]] | None = None
    ) -> tuple[Array, Array, Array]:
        """float64 ``(C, d, slack)`` over ``outputs`` outputs: a real ``y`` meeting every row has
        ``C y - slack |y| <= d``, row by row.

        ``C`` holds the coefficients rounded to nearest, ``slack`` their rounding error (an upper bound),
        ``d`` the bounds rounded up; a proof that ``C y - slack |y| > d`` for some row refutes the conjunct.
        """
        # Rows shared by many conjuncts (one object each) are converted once, keyed by identity, as hashing
        # Fractions costs more than the lookup saves; each entry keeps its row alive, so no other object takes
        # its identity. ``cache`` may serve every conjunct of a property.
        known = {} if cache is None else cache
        floats = [(known.get(id(row)) or known.setdefault(id(row), (row, _row_floats(row))))[1] for row in self.rows]
        coefficients = np.array([row[0] for row in floats], dtype=np.float64)
        bounds = np.array([row[1] for row in floats], dtype=np.float64)
        slack = np.array([row[2] for row in floats], dtype=np.float64)
        return coefficients.reshape(len(self.rows), outputs), bounds, slack.reshape(len(self.rows), outputs)


def _row_floats(row: Row) -> RowFloats:
    """A row's coefficients rounded to nearest, its bound rounded up, and the coefficients' rounding errors
    rounded up. The cases of a property expanded from its ors share their rows (12 two-way ors make 4,096
    cases of 24 distinct rows), and these exact conversions cost far more than a lookup: callers cache."""
    coefficients = tuple(float(c) for c in row.coefficients)
    slack = tuple(_error(f, c) for f, c in zip(coefficients, row.coefficients, strict=True))
    return coefficients, float(_float_at_least(row.bound, np.float64)), slack


def _error(rounded: float, exact: Fraction) -> float:
    """``|rounded - exact|`` rounded up to a float64 (0 when the coefficient is a float, as most are)."""
    p, q = rounded.as_integer_ratio()
    difference = abs(p * exact.denominator - exact.numerator * q)
    return 0.0 if difference == 0 else float(-_at_most(-difference, q * exact.denominator, np.float64))


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
