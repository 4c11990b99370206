"""Indexing in the size algebra: basic indices, integer-array and boolean indices, ``take``, ``take_along_axis``.

Pure Python with no mypy import. numpy's rules: an integer drops an axis, a slice keeps it (resized), ``None``
adds one, ``...`` stands for the axes no other index names. Integer arrays (and the integers beside them)
are *advanced* indices: their shapes broadcast together, and the broadcast shape replaces the axes they
index, in place if they are next to each other, else at the front. A boolean mask indexes as many axes as
it has, whose sizes it must have, and gives one axis of unknown size (its number of true values).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from ._sizes import UNKNOWN, Dim, Known, Shape, ShapeConflictError, broadcast, normalize_axis

__all__ = [
    "ArrayIndex",
    "BoolIndex",
    "EllipsisIndex",
    "Index",
    "IntIndex",
    "NewAxis",
    "SliceIndex",
    "index",
    "take",
    "take_along_axis",
]


@dataclass(frozen=True)
class IntIndex:
    """An integer index; ``value`` None when only its type (``int``) is known."""

    value: int | None = None


@dataclass(frozen=True)
class SliceIndex:
    """A slice; each bound None when absent. ``static`` False when a bound is present but not literal."""

    start: int | None = None
    stop: int | None = None
    step: int | None = None
    static: bool = True


@dataclass(frozen=True)
class NewAxis:
    """``None`` / ``np.newaxis``: a new axis of size 1."""


@dataclass(frozen=True)
class EllipsisIndex:
    """``...``: as many full slices as needed."""


@dataclass(frozen=True)
class ArrayIndex:
    """An array of integers (or a list of them) of this shape."""

    shape: Shape


@dataclass(frozen=True)
class BoolIndex:
    """A boolean mask of this shape: it indexes ``len(shape)`` axes, which must have its sizes."""

    shape: Shape


Index = IntIndex | SliceIndex | NewAxis | EllipsisIndex | ArrayIndex | BoolIndex


def _slice_size(dim: Dim, item: SliceIndex) -> Dim:
    if item.static and item.start is None and item.stop is None and item.step in (None, 1):
        return dim
    if item.static and isinstance(dim, Known):
        return Known(len(range(*slice(item.start, item.stop, item.step).indices(dim.value))))
    return UNKNOWN


def _width(item: Index) -> int:
    """How many axes of the array an index item uses."""
    if isinstance(item, IntIndex | SliceIndex | ArrayIndex):
        return 1
    if isinstance(item, BoolIndex):
        return len(item.shape)
    return 0


def index(shape: Shape, items: Sequence[Index]) -> Shape:
    """The shape of ``x[items]`` for ``x`` of ``shape``; a conflict for too many indices, a literal index out
    of range, a boolean mask whose sizes are not the axes' it indexes, or advanced indices that do not
    broadcast (operand ``1 + i`` is item ``i``)."""
    if sum(isinstance(i, EllipsisIndex) for i in items) > 1:
        raise ShapeConflictError("an index can only have a single ellipsis")
    consumed = sum(_width(i) for i in items)
    if consumed > len(shape):
        raise ShapeConflictError(f"too many indices ({consumed}) for rank {len(shape)}")
    advanced = any(isinstance(i, ArrayIndex | BoolIndex) for i in items)
    result: list[Dim] = []
    joined: list[Shape] = []  # the shapes of the advanced indices, broadcast together
    places: list[int] = []  # their positions in ``items``
    insert_at = 0  # where the broadcast shape goes when they are next to each other
    axis = 0
    for position, item in enumerate(items):
        if isinstance(item, NewAxis):
            result.append(Known(1))
        elif isinstance(item, EllipsisIndex):
            width = len(shape) - consumed
            result.extend(shape[axis : axis + width])
            axis += width
        elif isinstance(item, SliceIndex):
            result.append(_slice_size(shape[axis], item))
            axis += 1
        else:
            if isinstance(item, IntIndex):
                dim = shape[axis]
                if item.value is not None and isinstance(dim, Known) and not -dim.value <= item.value < dim.value:
                    raise ShapeConflictError(f"index {item.value} is out of range for axis {axis} of size {dim.value}")
            elif isinstance(item, BoolIndex):
                _check_mask(shape[axis : axis + len(item.shape)], item.shape, axis)
            if advanced:
                insert_at = len(result) if not places else insert_at
                places.append(position)
                joined.append(_advanced_shape(item))
            axis += _width(item)
    rest = shape[axis:]
    if not advanced:
        return (*result, *rest)
    try:
        combined = broadcast(joined)
    except ShapeConflictError as conflict:  # name the two index items (operand 0 is the array)
        first, second = (places[i] + 1 for i in conflict.operands)
        raise ShapeConflictError(
            f"the indices do not broadcast: {conflict.what}", conflict.sizes, (first, second)
        ) from None
    assert isinstance(combined, tuple)  # every advanced index has a shape of fixed rank
    if places == list(range(places[0], places[0] + len(places))):
        return (*result[:insert_at], *combined, *result[insert_at:], *rest)
    return (*combined, *result, *rest)


def _advanced_shape(item: IntIndex | ArrayIndex | BoolIndex) -> Shape:
    """What an advanced index contributes to the broadcast: an integer nothing, a mask its count of trues."""
    if isinstance(item, IntIndex):
        return ()
    return (UNKNOWN,) if isinstance(item, BoolIndex) else item.shape


def _check_mask(axes: Shape, mask: Shape, first: int) -> None:
    for offset, (size, wanted) in enumerate(zip(axes, mask, strict=True)):
        if isinstance(size, Known) and isinstance(wanted, Known) and size != wanted:
            raise ShapeConflictError(
                f"the boolean index has size {wanted.value} at axis {first + offset}, which has size {size.value}"
            )


def take(shape: Shape, indices: Shape, axis: int | None) -> Shape:
    """``np.take(a, indices, axis)``: the indices' shape replaces the axis (``axis=None``: of the flat array)."""
    if axis is None:
        return indices
    normal = normalize_axis(axis, len(shape))
    return (*shape[:normal], *indices, *shape[normal + 1 :])


def take_along_axis(shape: Shape, indices: Shape, axis: int | None) -> Shape:
    """``np.take_along_axis(a, indices, axis)``: the indices' size along ``axis``, the others broadcast."""
    if axis is None:
        if len(indices) != 1:
            raise ShapeConflictError(f"indices of rank {len(indices)} for the flattened array", operands=(1,))
        return indices
    if len(indices) != len(shape):
        raise ShapeConflictError(
            "the indices and the array have different ranks", (str(len(shape)), str(len(indices))), (0, 1)
        )
    normal = normalize_axis(axis, len(shape))
    rest = broadcast([shape[:normal] + shape[normal + 1 :], indices[:normal] + indices[normal + 1 :]])
    assert isinstance(rest, tuple)
    return (*rest[:normal], indices[normal], *rest[normal:])
