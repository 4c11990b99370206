"""Layout in the size algebra: joining (``concatenate``, ``stack``, ``vstack``, ``hstack``, ``column_stack``,
``split``), repetition (``tile``, ``repeat``, ``pad``), axes added or removed (``squeeze``,
``expand_dims``, ``atleast_2d``, ``broadcast_to``, ``sliding_window_view``, ``diag``) and moved
(``moveaxis``, ``rollaxis``, ``rot90``), and sizes that only the values decide (``opened``).

Pure Python with no mypy import; each function gives numpy's result shape or raises ``ShapeConflictError``
when numpy would raise for every value of the unknown sizes.
"""

from collections.abc import Sequence

from ._sizes import (
    UNKNOWN,
    Dim,
    Known,
    Shape,
    ShapeConflictError,
    Symbol,
    Unknown,
    definitely_differ,
    merge,
    normalize_axis,
    ravel,
    render_dim,
    render_shape,
)

__all__ = [
    "atleast_2d",
    "broadcast_to",
    "column_stack",
    "concatenate",
    "diag",
    "expand_dims",
    "hstack",
    "moveaxis",
    "opened",
    "pad",
    "repeat",
    "rollaxis",
    "rot90",
    "sliding_window_view",
    "split",
    "squeeze",
    "stack",
    "tile",
    "vstack",
]


def _times(dim: Dim, factor: int) -> Dim:
    """A size times a literal factor: a literal when the size is one, the size itself for a factor of 1."""
    if factor == 1:
        return dim
    return Known(dim.value * factor) if isinstance(dim, Known) else UNKNOWN


def _plus(dim: Dim, amount: int) -> Dim:
    if amount == 0:
        return dim
    return Known(dim.value + amount) if isinstance(dim, Known) else UNKNOWN


# ---------------------------------------------------------------- joining


def _sum_dims(dims: Sequence[Dim]) -> Dim:
    if all(isinstance(d, Known) for d in dims):
        return Known(sum(d.value for d in dims if isinstance(d, Known)))
    nonzero = [d for d in dims if d != Known(0)]
    return nonzero[0] if len(nonzero) == 1 and isinstance(nonzero[0], Symbol) else UNKNOWN


def _agree(shapes: Sequence[Shape], skip: int | None, what: str) -> list[Dim]:
    """Sizes that must be equal across operands (except axis ``skip``), merged; conflicts name both."""
    merged = list(shapes[0])
    for position, shape in enumerate(shapes[1:], start=1):
        if len(shape) != len(merged):
            raise ShapeConflictError("ranks differ", (str(len(shapes[0])), str(len(shape))), (0, position))
        for axis, dim in enumerate(shape):
            if axis == skip:
                continue
            if definitely_differ(merged[axis], dim):
                first = next(i for i in range(position) if shapes[i][axis] == merged[axis])
                raise ShapeConflictError(
                    f"{what} at axis {axis}", (render_dim(merged[axis]), render_dim(dim)), (first, position)
                )
            merged[axis] = merge(merged[axis], dim)
    return merged


def concatenate(shapes: Sequence[Shape], axis: int | None) -> Shape:
    """Join along an existing axis (``axis=None`` flattens first); other sizes must agree."""
    if not shapes:
        raise ShapeConflictError("needs at least one array")
    if axis is None:
        return (_sum_dims([ravel(s)[0] for s in shapes]),)
    if not shapes[0]:
        raise ShapeConflictError("zero-dimensional arrays cannot be concatenated")
    normal = normalize_axis(axis, len(shapes[0]))
    merged = _agree(shapes, normal, "sizes differ")
    merged[normal] = _sum_dims([s[normal] for s in shapes])
    return tuple(merged)


def stack(shapes: Sequence[Shape], axis: int) -> Shape:
    """Join along a new axis; all shapes must be equal."""
    if not shapes:
        raise ShapeConflictError("needs at least one array")
    merged = _agree(shapes, None, "sizes differ")
    normal = normalize_axis(axis, len(merged) + 1)
    return (*merged[:normal], Known(len(shapes)), *merged[normal:])


def vstack(shapes: Sequence[Shape]) -> Shape:
    """Rows on top of each other: each array made at least 2-D (``(n,)`` is the row ``(1, n)``), joined along 0."""
    return concatenate([atleast_2d(s) for s in shapes], 0)


def hstack(shapes: Sequence[Shape]) -> Shape:
    """Side by side: each array made at least 1-D; vectors joined along their only axis, others along axis 1."""
    shapes = [s or (Known(1),) for s in shapes]
    return concatenate(shapes, 0 if shapes and len(shapes[0]) == 1 else 1)


def column_stack(shapes: Sequence[Shape]) -> Shape:
    """Columns side by side: a vector ``(n,)`` is the column ``(n, 1)``; then joined along axis 1."""
    return concatenate([(*s, Known(1)) if len(s) == 1 else s or (Known(1), Known(1)) for s in shapes], 1)


def split(shape: Shape, sections: int, axis: int) -> Shape:
    """The shape of each part of ``np.split(a, sections, axis)``: the axis divided into equal parts."""
    normal = normalize_axis(axis, len(shape))
    size = shape[normal]
    if sections < 1:
        raise ShapeConflictError(f"cannot split into {sections} sections")
    if isinstance(size, Known) and size.value % sections:
        raise ShapeConflictError(f"axis {normal} of size {size.value} does not split into {sections} equal parts")
    part: Dim = Known(size.value // sections) if isinstance(size, Known) else (size if sections == 1 else UNKNOWN)
    return (*shape[:normal], part, *shape[normal + 1 :])


# ---------------------------------------------------------------- repetition


def tile(shape: Shape, reps: Sequence[int]) -> Shape:
    """``np.tile``: each axis repeated; a shorter ``reps`` applies to the last axes, a longer one adds axes."""
    if any(rep < 0 for rep in reps):
        raise ShapeConflictError(f"a repetition count cannot be negative: {min(reps)}")
    rank = max(len(shape), len(reps))
    padded = (Known(1),) * (rank - len(shape)) + tuple(shape)
    factors = (1,) * (rank - len(reps)) + tuple(reps)
    return tuple(_times(dim, factor) for dim, factor in zip(padded, factors, strict=True))


def repeat(shape: Shape, repeats: int, axis: int | None) -> Shape:
    """``np.repeat`` with one count: each element ``repeats`` times along ``axis`` (None: of the flat array)."""
    if repeats < 0:
        raise ShapeConflictError(f"a repetition count cannot be negative: {repeats}")
    if axis is None:
        return (_times(ravel(shape)[0], repeats),)
    shape = shape or (Known(1),)  # numpy repeats a scalar as a vector of one
    normal = normalize_axis(axis, len(shape))
    return (*shape[:normal], _times(shape[normal], repeats), *shape[normal + 1 :])


def pad(shape: Shape, widths: Sequence[tuple[int, int]]) -> Shape:
    """``np.pad``: ``(before, after)`` per axis; one pair for every axis, or one per axis."""
    if len(widths) == 1:
        widths = list(widths) * len(shape)
    if len(widths) != len(shape):
        raise ShapeConflictError(f"{len(widths)} pad widths for rank {len(shape)}")
    if any(before < 0 or after < 0 for before, after in widths):
        raise ShapeConflictError("pad widths must be non-negative")
    return tuple(_plus(dim, before + after) for dim, (before, after) in zip(shape, widths, strict=True))


# ---------------------------------------------------------------- axes added or removed


def squeeze(shape: Shape, axes: Sequence[int] | None) -> Shape | None:
    """Remove axes of size 1: the given ones (each must be 1), or all (None when some size is not known)."""
    if axes is None:
        if any(not isinstance(dim, Known) for dim in shape):
            return None  # an unknown or symbolic size may be 1: the rank is not known
        return tuple(dim for dim in shape if dim != Known(1))
    normal = [normalize_axis(axis, len(shape)) for axis in axes]
    if len(set(normal)) != len(normal):
        raise ShapeConflictError(f"axis {tuple(axes)} repeats an axis")
    chosen = set(normal)
    for axis in sorted(chosen):
        if definitely_differ(shape[axis], Known(1)):
            raise ShapeConflictError(f"cannot squeeze axis {axis} of size {render_dim(shape[axis])}, not 1")
    return tuple(dim for axis, dim in enumerate(shape) if axis not in chosen)


def expand_dims(shape: Shape, axes: Sequence[int]) -> Shape:
    """Insert axes of size 1 at ``axes`` (positions in the result)."""
    rank = len(shape) + len(axes)
    chosen = [normalize_axis(axis, rank) for axis in axes]
    if len(set(chosen)) != len(chosen):
        raise ShapeConflictError(f"axis {tuple(axes)} repeats an axis")
    remaining = iter(shape)
    return tuple(Known(1) if axis in chosen else next(remaining) for axis in range(rank))


def atleast_2d(shape: Shape) -> Shape:
    """A scalar is ``(1, 1)``, a vector ``(n,)`` the row ``(1, n)``, anything else itself."""
    return (Known(1),) * (2 - len(shape)) + tuple(shape) if len(shape) < 2 else shape


def broadcast_to(shape: Shape, target: Shape) -> Shape:
    """``np.broadcast_to(a, target)``: every axis of ``a`` is 1 or the target's size, aligned from the end."""
    if len(shape) > len(target):
        raise ShapeConflictError(
            f"cannot broadcast {render_shape(shape)} to {render_shape(target)}: the target has fewer axes"
        )
    for offset in range(1, len(shape) + 1):
        dim, wanted = shape[-offset], target[-offset]
        if dim != Known(1) and definitely_differ(dim, wanted):
            raise ShapeConflictError(
                f"cannot broadcast to {render_shape(target)}: size {render_dim(dim)} is neither 1 "
                f"nor {render_dim(wanted)}"
            )
    return target


def sliding_window_view(shape: Shape, window: Sequence[int], axes: Sequence[int] | None) -> Shape:
    """Each window axis becomes ``size - window + 1`` positions; the window's axes are added at the end."""
    chosen = list(range(len(shape))) if axes is None else [normalize_axis(axis, len(shape)) for axis in axes]
    if len(window) != len(chosen):
        raise ShapeConflictError(f"a window of {len(window)} sizes for {len(chosen)} axes")
    result = list(shape)
    for axis, size in zip(chosen, window, strict=True):
        dim = result[axis]
        if size < 0:
            raise ShapeConflictError(f"the window size {size} is negative")
        if isinstance(dim, Known) and size > dim.value:
            raise ShapeConflictError(f"the window size {size} is larger than axis {axis} of size {dim.value}")
        result[axis] = _plus(dim, 1 - size)
    return (*result, *(Known(size) for size in window))


def diag(shape: Shape) -> Shape:
    """``np.diag``: a vector ``(n,)`` becomes the matrix ``(n, n)``, a matrix gives its diagonal."""
    if len(shape) == 1:
        return (shape[0], shape[0])
    if len(shape) != 2:
        raise ShapeConflictError(f"diag needs a vector or a matrix, not rank {len(shape)}")
    rows, columns = shape
    if isinstance(rows, Known) and isinstance(columns, Known):
        return (Known(min(rows.value, columns.value)),)
    return (rows,) if rows == columns and not isinstance(rows, Unknown) else (UNKNOWN,)


# ---------------------------------------------------------------- axes moved, sizes opened


def moveaxis(shape: Shape, source: Sequence[int], destination: Sequence[int]) -> Shape:
    """``np.moveaxis``: the ``source`` axes moved to the ``destination`` positions, the others in order."""
    rank = len(shape)
    if len(source) != len(destination):
        raise ShapeConflictError("source and destination must have the same number of axes")
    sources = [normalize_axis(axis, rank) for axis in source]
    destinations = [normalize_axis(axis, rank) for axis in destination]
    if len(set(sources)) != len(sources) or len(set(destinations)) != len(destinations):
        raise ShapeConflictError("an axis is repeated in source or destination")
    order = [axis for axis in range(rank) if axis not in sources]
    for place, axis in sorted(zip(destinations, sources, strict=True)):
        order.insert(place, axis)
    return tuple(shape[axis] for axis in order)


def rollaxis(shape: Shape, axis: int, start: int) -> Shape:
    """``np.rollaxis``: ``axis`` moved to lie before position ``start`` (``0 <= start <= rank``)."""
    rank = len(shape)
    normal = normalize_axis(axis, rank)
    place = start + rank if start < 0 else start
    if not 0 <= place <= rank:
        raise ShapeConflictError(f"start {start} is out of range for rank {rank}")
    place -= 1 if normal < place else 0
    order = [a for a in range(rank) if a != normal]
    order.insert(place, normal)
    return tuple(shape[a] for a in order)


def rot90(shape: Shape, turns: int | None, axes: Sequence[int]) -> Shape:
    """``np.rot90``: an odd number of quarter turns exchanges the two axes (unknown ``turns``: their sizes
    are unknown unless equal)."""
    rank = len(shape)
    if len(axes) != 2:
        raise ShapeConflictError("axes must name two axes")
    first, second = (normalize_axis(axis, rank) for axis in axes)
    if first == second:
        raise ShapeConflictError(f"axes {tuple(axes)} name one axis twice")
    result = list(shape)
    if turns is None:
        if shape[first] != shape[second]:
            result[first] = result[second] = UNKNOWN
    elif turns % 2:
        result[first], result[second] = shape[second], shape[first]
    return tuple(result)


def opened(shape: Shape, axes: Sequence[int] | None) -> Shape:
    """The shape with the sizes of ``axes`` unknown (checked against the rank); ``None``: every size."""
    rank = len(shape)
    chosen = range(rank) if axes is None else {normalize_axis(axis, rank) for axis in axes}
    return tuple(UNKNOWN if axis in chosen else size for axis, size in enumerate(shape))
