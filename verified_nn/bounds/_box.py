"""Boxes: a lower and an upper bound per value, for a batch of domains bounded in one numpy pass.

A :class:`Box` holds ``lower`` and ``upper`` of shape ``(domains, *shape)``: the leading axis runs over
sub-domains (the images of a batch, or the branches of a branch-and-bound), each with its own bounds on
every value of a node of the network (its input, or a layer's output).
"""

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeAlias

import numpy as np

from ._errors import BoundsError
from ._rounding import Rounding

Array: TypeAlias = np.ndarray[Any, Any]
# Split constraints: node index -> (domains, *shape) int8, +1 the value is >= 0, -1 it is <= 0, 0 free.
Splits: TypeAlias = Mapping[int, Array]


@dataclasses.dataclass(frozen=True)
class Box:
    """``lower <= value <= upper`` elementwise, ``(domains, *shape)`` each, one dtype."""

    lower: Array
    upper: Array

    def __post_init__(self) -> None:
        lower, upper = self.lower, self.upper
        if not (isinstance(lower, np.ndarray) and isinstance(upper, np.ndarray)) or lower.shape != upper.shape:
            raise BoundsError(f"Box: lower and upper must be arrays of one shape, got {_text(lower)}, {_text(upper)}")
        if lower.ndim < 1 or lower.dtype != upper.dtype:
            raise BoundsError(f"Box: expected (domains, ...) arrays of one dtype, got {_text(lower)}, {_text(upper)}")

    @property
    def domains(self) -> int:
        """The number of domains (the leading axis)."""
        return int(self.lower.shape[0])

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape of one domain's values."""
        return tuple(self.lower.shape[1:])

    def magnitude(self) -> Array:
        """``max(|lower|, |upper|)``: a bound on every value's magnitude."""
        result: Array = np.maximum(np.abs(self.lower), np.abs(self.upper))
        return result

    def center_radius(self, rounding: Rounding) -> tuple[Array, Array]:
        """``(mu, r)`` with ``[mu - r, mu + r]`` containing the box (equal to it without outward rounding)."""
        mu = (self.lower + self.upper) / 2
        if not rounding.outward:
            return mu, (self.upper - self.lower) / 2
        # Each difference rounds once: moved up, the radius reaches both ends of the box from the centre. A
        # difference of floats that comes out 0 is exact (they are equal): kept 0, so a point box has radius 0
        # rather than the smallest subnormal, which would make every product with it crawl (denormal BLAS).
        above, below = self.upper - mu, mu - self.lower
        radius = np.maximum(
            np.where(above == 0, above, rounding.up(above)), np.where(below == 0, below, rounding.up(below))
        )
        return mu, radius

    def intersect(self, other: "Box") -> "Box":
        """The tighter of two sound boxes of the same values (still sound)."""
        return Box(np.maximum(self.lower, other.lower), np.minimum(self.upper, other.upper))

    def constrained(self, signs: Array | None) -> "Box":
        """The box with split constraints applied: ``+1`` entries are at least 0, ``-1`` entries at most 0."""
        if signs is None:
            return self
        if signs.shape != self.lower.shape:
            raise BoundsError(f"split constraints have shape {signs.shape}, the node's bounds {self.lower.shape}")
        return Box(
            np.where(signs > 0, np.maximum(self.lower, 0), self.lower),
            np.where(signs < 0, np.minimum(self.upper, 0), self.upper),
        )

    def empty(self) -> Array:
        """``(domains,)`` booleans: where some value has ``lower > upper`` (a domain with no point: infeasible)."""
        result: Array = np.any((self.lower > self.upper).reshape(self.domains, -1), axis=1)
        return result

    def take(self, domains: Array) -> "Box":
        """The box of the chosen domains (an index array or a boolean mask over the leading axis)."""
        return Box(self.lower[domains], self.upper[domains])

    def astype(self, dtype: Any) -> "Box":
        """The same bounds in ``dtype`` (a no-op when it is already; widening float32 is exact)."""
        return Box(self.lower.astype(dtype, copy=False), self.upper.astype(dtype, copy=False))


def _text(value: object) -> str:
    return f"{value.dtype}{list(value.shape)}" if isinstance(value, np.ndarray) else type(value).__name__


def input_box(
    images: Array, eps: float, *, low: float = 0.0, high: float = 1.0, rounding: Rounding | None = None
) -> Box:
    """The L-infinity ball of radius ``eps`` around each image, clipped to ``[low, high]``: ``(images, *shape)``.

    With outward ``rounding`` the box is widened by one step each way, so it contains the exact ball of the
    float radius (a certificate with an exact rational radius builds its box itself: ``verified_nn.certify``).
    """
    plain = rounding is None or not rounding.outward
    dtype = images.dtype if rounding is None else rounding.dtype
    values = images.astype(dtype, copy=False)
    lower = values - eps if plain else np.nextafter(values - eps, -np.inf)
    upper = values + eps if plain else np.nextafter(values + eps, np.inf)
    return Box(np.clip(lower, low, high).astype(dtype), np.clip(upper, low, high).astype(dtype))
