"""The size algebra of static shapes: literal sizes, symbolic sizes (type variables) and unknown sizes.

Pure Python with no mypy import, so every rule can be tested on its own. A dimension is a ``Known``
size, a ``Symbol`` (a type variable such as a batch size, equal only to itself) or ``UNKNOWN`` (``int``
or ``Any``: nothing is known, so it never conflicts with anything). A shape of fixed rank is a tuple of
dimensions; ``WholeShape`` is a type variable standing for a whole shape, and ``None`` is a shape of
unknown rank. Rules return the result's shape (``None`` when it cannot be determined) or raise
``ShapeConflictError`` when the operation cannot succeed for any value of the unknowns.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

__all__ = [
    "UNKNOWN",
    "AnyShape",
    "Count",
    "Dim",
    "Known",
    "Shape",
    "ShapeConflictError",
    "Symbol",
    "Unknown",
    "WholeShape",
    "broadcast",
    "count",
    "definitely_differ",
    "dot",
    "matmul",
    "merge",
    "normalize_axis",
    "ravel",
    "reduce",
    "render_dim",
    "render_shape",
    "reshape",
    "swapaxes",
    "transpose",
]


@dataclass(frozen=True)
class Known:
    """A size known statically, from a ``Literal`` type or a literal expression."""

    value: int


@dataclass(frozen=True)
class Symbol:
    """A size named by a type variable; equal to itself only. ``origin`` carries the checker's own object."""

    key: str
    name: str
    origin: object = field(default=None, compare=False, hash=False, repr=False)


@dataclass(frozen=True)
class Unknown:
    """A size nothing is known about (``int``, ``Any``); ``origin`` keeps the checker's type to rebuild it."""

    origin: object = field(default=None, compare=False, hash=False, repr=False)


UNKNOWN: Final = Unknown()

Dim = Known | Symbol | Unknown
Shape = tuple[Dim, ...]


@dataclass(frozen=True)
class WholeShape:
    """A type variable standing for a whole shape (``S`` in ``ndarray[S, D]``): rank and sizes unknown."""

    key: str
    name: str
    origin: object = field(default=None, compare=False, hash=False, repr=False)


AnyShape = Shape | WholeShape | None


class ShapeConflictError(Exception):
    """An operation that cannot succeed for these shapes, whatever the unknown sizes are.

    ``what`` says what disagrees; ``sizes`` are the sizes in conflict, one per operand listed in
    ``operands`` (indices into the operation's operands, which the caller names in its message).
    With no sizes the conflict is about the single operand ``operands[0]``.
    """

    def __init__(self, what: str, sizes: Sequence[str] = (), operands: Sequence[int] = (0,)) -> None:
        super().__init__(what)
        self.what = what
        self.sizes = tuple(sizes)
        self.operands = tuple(operands)


# ---------------------------------------------------------------- rendering


def render_dim(dim: Dim) -> str:
    """``784`` for a known size, the variable's name for a symbol, ``?`` for an unknown size."""
    if isinstance(dim, Known):
        return str(dim.value)
    if isinstance(dim, Symbol):
        return dim.name
    return "?"


def render_shape(shape: AnyShape) -> str:
    """numpy's notation: ``(64, 784)``, ``(784,)``, ``()``; a whole-shape variable by name; ``(...)``."""
    if shape is None:
        return "(...)"
    if isinstance(shape, WholeShape):
        return shape.name
    if len(shape) == 1:
        return f"({render_dim(shape[0])},)"
    return "(" + ", ".join(render_dim(d) for d in shape) + ")"


# ---------------------------------------------------------------- comparing sizes


def definitely_differ(a: Dim, b: Dim) -> bool:
    """True when two sizes cannot be equal: two different literals, or a symbol and anything but itself.

    A symbol is a type variable: inside the function that declares it, it is equal only to itself (as in
    Lean, where ``n`` and ``784`` are different sizes). An unknown size never differs from anything.
    """
    if isinstance(a, Unknown) or isinstance(b, Unknown):
        return False
    return a != b


def merge(a: Dim, b: Dim) -> Dim:
    """The more informative of two sizes that may be equal (a literal over a symbol over unknown)."""
    for kind in (Known, Symbol):
        if isinstance(a, kind):
            return a
        if isinstance(b, kind):
            return b
    return UNKNOWN


# ---------------------------------------------------------------- element counts


@dataclass(frozen=True)
class Count:
    """A number of elements: ``coefficient`` times the product of ``symbols``, times an unknown factor
    if ``unknown``. Symbols are kept sorted by key so that equal products compare equal."""

    coefficient: int
    symbols: tuple[Symbol, ...] = ()
    unknown: bool = False

    @property
    def determined(self) -> bool:
        return not self.unknown

    def render(self) -> str:
        factors = [s.name for s in self.symbols] + (
            [str(self.coefficient)] if self.coefficient != 1 or not self.symbols else []
        )
        return "*".join(factors) + ("*?" if self.unknown else "")

    def as_dim(self) -> Dim:
        """The count as one size: a literal, a lone symbol, or unknown for anything else."""
        if self.unknown:
            return UNKNOWN
        if not self.symbols:
            return Known(self.coefficient)
        if self.coefficient == 1 and len(self.symbols) == 1:
            return self.symbols[0]
        return UNKNOWN

    def times(self, other: "Count") -> "Count":
        """The product of two counts."""
        symbols = tuple(sorted((*self.symbols, *other.symbols), key=lambda s: s.key))
        return Count(self.coefficient * other.coefficient, symbols, self.unknown or other.unknown)

    def divide(self, other: "Count") -> "Count | None":
        """``self / other`` when it divides exactly as a product; None when it does not (or cannot tell)."""
        if other.unknown or other.coefficient == 0 or self.coefficient % other.coefficient:
            return None
        remaining = list(self.symbols)
        for symbol in other.symbols:
            if symbol not in remaining:
                return None
            remaining.remove(symbol)
        return Count(self.coefficient // other.coefficient, tuple(remaining), self.unknown)


def count(dims: Iterable[Dim]) -> Count:
    """The number of elements of a shape of fixed rank."""
    coefficient, symbols, unknown = 1, [], False
    for dim in dims:
        if isinstance(dim, Known):
            coefficient *= dim.value
        elif isinstance(dim, Symbol):
            symbols.append(dim)
        else:
            unknown = True
    return Count(coefficient, tuple(sorted(symbols, key=lambda s: s.key)), unknown)


# ---------------------------------------------------------------- axes


def normalize_axis(axis: int, rank: int, operand: int = 0) -> int:
    """numpy's axis rule: ``-rank <= axis < rank``, negative axes count from the end."""
    if not -rank <= axis < rank:
        raise ShapeConflictError(f"axis {axis} is out of range for rank {rank}", operands=(operand,))
    return axis % rank


# ---------------------------------------------------------------- broadcasting


def _broadcast_dims(a: Dim, b: Dim) -> Dim:
    """Two sizes of one axis. A symbol stands for every value its type variable can take (a generic
    function must work for all of them), so it broadcasts only with itself and with 1, as in Lean."""
    if a == Known(1):
        return b
    if b == Known(1) or a == b:
        return a
    if definitely_differ(a, b):
        raise ShapeConflictError("sizes differ and neither is 1", (render_dim(a), render_dim(b)))
    # One side is unknown and may be 1 at run time; if the operation succeeds a literal size stands.
    if isinstance(a, Known):
        return a
    if isinstance(b, Known):
        return b
    return UNKNOWN


def broadcast(shapes: Sequence[AnyShape]) -> AnyShape:
    """numpy's broadcasting of several operands; a conflict names the two operands by position."""
    if any(s is None for s in shapes):
        return None
    wholes = {s for s in shapes if isinstance(s, WholeShape)}
    if wholes:
        # A whole-shape variable combines only with scalars (rank 0) and with itself.
        only_scalars = all(isinstance(s, WholeShape) or s == () for s in shapes)
        return next(iter(wholes)) if len(wholes) == 1 and only_scalars else None
    ranked = [s if isinstance(s, tuple) else () for s in shapes]
    result: list[Dim] = []
    for offset in range(1, max(map(len, ranked), default=0) + 1):  # from the last axis, as numpy aligns
        dim: Dim = Known(1)
        owner = 0  # the operand that gave ``dim`` its size (a literal other than 1, or a symbol)
        for position, shape in enumerate(ranked):
            if len(shape) < offset:
                continue
            size = shape[len(shape) - offset]
            try:
                combined = _broadcast_dims(dim, size)
            except ShapeConflictError as conflict:
                raise ShapeConflictError(conflict.what, conflict.sizes, (owner, position)) from None
            if not isinstance(size, Unknown) and size != Known(1) and (isinstance(dim, Unknown) or dim == Known(1)):
                owner = position
            dim = combined
        result.append(dim)
    return tuple(reversed(result))


# ---------------------------------------------------------------- products


def matmul(a: Shape, b: Shape) -> Shape:
    """``a @ b``: (..., n, k) @ (..., k, m) -> (..., n, m); a 1-D operand gains and then loses an axis."""
    if not a or not b:
        raise ShapeConflictError("matmul needs arrays of rank 1 or more, not scalars", operands=(0 if not a else 1,))
    left = (Known(1), *a) if len(a) == 1 else a
    right = (*b, Known(1)) if len(b) == 1 else b
    if definitely_differ(left[-1], right[-2]):
        raise ShapeConflictError("inner sizes differ", (render_dim(left[-1]), render_dim(right[-2])), (0, 1))
    batch = broadcast([left[:-2], right[:-2]])
    assert isinstance(batch, tuple)  # both operands are of fixed rank
    return batch + (left[-2],) * (len(a) > 1) + (right[-1],) * (len(b) > 1)


def dot(a: Shape, b: Shape) -> Shape:
    """``np.dot``: with a scalar it multiplies; otherwise it sums the last axis of ``a`` against the
    second-to-last of ``b`` (the only axis of a 1-D ``b``): result ``a[:-1] + b[:-2] + b[-1:]``."""
    if not a or not b:
        return a if a else b
    inner = b[0] if len(b) == 1 else b[-2]
    if definitely_differ(a[-1], inner):
        raise ShapeConflictError("inner sizes differ", (render_dim(a[-1]), render_dim(inner)), (0, 1))
    return a[:-1] + b[:-2] + b[-1:] if len(b) > 1 else a[:-1]


# ---------------------------------------------------------------- axes permutations


def transpose(shape: Shape, axes: Sequence[int] | None = None) -> Shape:
    """Reverse the axes, or permute them by ``axes`` (which must be a permutation, negatives allowed)."""
    if axes is None:
        return shape[::-1]
    if len(axes) != len(shape):
        raise ShapeConflictError(f"axes {tuple(axes)} do not match rank {len(shape)}")
    normal = [normalize_axis(axis, len(shape)) for axis in axes]
    if sorted(normal) != list(range(len(shape))):
        raise ShapeConflictError(f"axes {tuple(axes)} are not a permutation of the {len(shape)} axes")
    return tuple(shape[axis] for axis in normal)


def swapaxes(shape: Shape, first: int, second: int) -> Shape:
    """Exchange two axes."""
    i, j = normalize_axis(first, len(shape)), normalize_axis(second, len(shape))
    swapped = list(shape)
    swapped[i], swapped[j] = shape[j], shape[i]
    return tuple(swapped)


# ---------------------------------------------------------------- reductions


def reduce(shape: Shape, axes: Sequence[int] | None, *, keepdims: bool) -> Shape:
    """A reduction over ``axes`` (all of them when None): drop them, or keep them as size 1."""
    chosen = range(len(shape)) if axes is None else [normalize_axis(axis, len(shape)) for axis in axes]
    if len(set(chosen)) != len(chosen):
        raise ShapeConflictError(f"axis {tuple(axes or ())} repeats an axis")
    if keepdims:
        return tuple(Known(1) if axis in chosen else dim for axis, dim in enumerate(shape))
    return tuple(dim for axis, dim in enumerate(shape) if axis not in chosen)


# ---------------------------------------------------------------- reshaping


def reshape(shape: Shape, requested: Sequence[Dim], products: Sequence[Count | None] = ()) -> Shape:
    """Reshape to ``requested``, where one ``Known(-1)`` stands for the size that keeps the element count.

    ``products[i]``, when given, is what a requested size that no single ``Dim`` can name amounts to (the
    product ``R * C`` of two symbols is the unknown size ``?`` in the result, but counts ``R*C`` elements).
    The conflict's operands are 0 (the array) and 1 (the requested shape).
    """
    if any(isinstance(d, Known) and d.value < -1 for d in requested):
        raise ShapeConflictError("negative sizes other than -1 are not allowed", operands=(1,))
    holes = [i for i, d in enumerate(requested) if d == Known(-1)]
    if len(holes) > 1:
        raise ShapeConflictError("only one size can be -1", operands=(1,))
    total = count(shape)
    rest = Count(1)
    for i, dim in enumerate(requested):
        product = products[i] if i < len(products) else None
        if dim != Known(-1):
            rest = rest.times(product if product is not None and isinstance(dim, Unknown) else count([dim]))
    if not holes:
        if total.determined and rest.determined and total != rest:
            raise ShapeConflictError("element counts differ", (total.render(), rest.render()), (0, 1))
        return tuple(requested)
    quotient = total.divide(rest)
    if quotient is None:
        if total.determined and rest.determined and not total.symbols and not rest.symbols:
            sizes = (total.render(), rest.render())
            raise ShapeConflictError("cannot infer -1: element counts do not divide", sizes, (0, 1))
        inferred: Dim = UNKNOWN
    else:
        inferred = quotient.as_dim()
    return tuple(inferred if i == holes[0] else d for i, d in enumerate(requested))


def ravel(shape: Shape) -> Shape:
    """Flatten to one axis holding every element."""
    return (count(shape).as_dim(),)
