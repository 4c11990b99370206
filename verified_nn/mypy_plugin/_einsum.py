"""Contractions in the size algebra: ``einsum`` (its subscripts parsed), ``tensordot``, ``inner``, ``outer``.

Pure Python with no mypy import. In ``np.einsum("ij,jk->ik", a, b)`` each letter names one size: every
axis it labels must have that size (or 1, which numpy stretches), the output lists the letters it keeps
(in implicit mode, without ``->``, the letters used once, in alphabetical order), and ``...`` stands for
the broadcast of the axes no letter labels.
"""

from collections.abc import Sequence

from ._sizes import Dim, Known, Shape, ShapeConflictError, broadcast, count, definitely_differ, merge, render_dim

__all__ = ["einsum", "inner", "outer", "parse_subscripts", "tensordot"]

ELLIPSIS = "..."


def _labels(term: str) -> list[str]:
    """``"ij"`` -> ``["i", "j"]``, ``"...ij"`` -> ``["...", "i", "j"]``; ConflictError for anything else."""
    if term.count(ELLIPSIS) > 1 or term.replace(ELLIPSIS, "").count(".") > 0:
        raise ShapeConflictError(f"invalid subscripts {term!r}: '...' at most once, no other '.'")
    labels: list[str] = []
    rest = term
    while rest:
        if rest.startswith(ELLIPSIS):
            labels.append(ELLIPSIS)
            rest = rest[len(ELLIPSIS) :]
            continue
        if not rest[0].isalpha():
            raise ShapeConflictError(f"invalid subscript {rest[0]!r} in {term!r}: subscripts are letters")
        labels.append(rest[0])
        rest = rest[1:]
    return labels


def parse_subscripts(subscripts: str, operands: int) -> tuple[list[list[str]], list[str] | None]:
    """The labels of each operand, and of the output (None in implicit mode)."""
    text = subscripts.replace(" ", "")
    inputs, arrow, output = text.partition("->")
    terms = inputs.split(",")
    if len(terms) != operands:
        raise ShapeConflictError(f"{len(terms)} subscript terms in {subscripts!r} for {operands} operands")
    parsed = [_labels(term) for term in terms]
    if not arrow:
        return parsed, None
    kept = _labels(output)
    used = {label for labels in parsed for label in labels}
    for label in kept:
        if kept.count(label) > 1:
            raise ShapeConflictError(f"output subscript {label!r} appears more than once in {subscripts!r}")
        if label not in used:
            raise ShapeConflictError(f"output subscript {label!r} is not in any input of {subscripts!r}")
    return parsed, kept


def einsum(subscripts: str, shapes: Sequence[Shape]) -> Shape:
    """The shape of ``np.einsum(subscripts, *arrays)``; a conflict names the two operands that disagree."""
    parsed, output = parse_subscripts(subscripts, len(shapes))
    sizes: dict[str, tuple[Dim, int]] = {}  # label -> (size, the operand that gave it)
    ellipses: list[Shape] = []
    for operand, (labels, shape) in enumerate(zip(parsed, shapes, strict=True)):
        named = [label for label in labels if label != ELLIPSIS]
        if len(named) > len(shape) or (ELLIPSIS not in labels and len(named) != len(shape)):
            raise ShapeConflictError(
                f"subscripts {''.join(labels)!r} name {len(named)} axes of an array of rank {len(shape)}",
                operands=(operand,),
            )
        width = len(shape) - len(named)
        start = labels.index(ELLIPSIS) if ELLIPSIS in labels else len(labels)
        ellipses.append(shape[start : start + width])
        axes = shape[:start] + shape[start + width :]
        own: dict[str, Dim] = {}
        for label, dim in zip(named, axes, strict=True):
            if label in own and definitely_differ(own[label], dim):  # a diagonal: no stretching
                raise ShapeConflictError(
                    f"subscript {label} repeats with different sizes",
                    (render_dim(own[label]), render_dim(dim)),
                    (operand, operand),
                )
            own[label] = dim
            if label not in sizes or sizes[label][0] == Known(1):
                sizes[label] = (dim, operand)
                continue
            size, first = sizes[label]
            if dim != Known(1) and definitely_differ(size, dim):
                raise ShapeConflictError(
                    f"subscript {label} has different sizes", (render_dim(size), render_dim(dim)), (first, operand)
                )
            sizes[label] = (size if dim == Known(1) else merge(size, dim), first)
    batch = broadcast(ellipses)
    assert isinstance(batch, tuple)
    if output is None:
        once = sorted(label for label in sizes if sum(labels.count(label) for labels in parsed) == 1)
        output = ([ELLIPSIS] if any(ELLIPSIS in labels for labels in parsed) else []) + once
    result: list[Dim] = []
    for label in output:
        result.extend(batch if label == ELLIPSIS else (sizes[label][0],))
    return tuple(result)


def tensordot(a: Shape, b: Shape, axes: int | tuple[Sequence[int], Sequence[int]]) -> Shape:
    """``np.tensordot``: the last ``axes`` axes of ``a`` against the first of ``b``, or the listed pairs."""
    if isinstance(axes, int):
        if axes < 0 or axes > min(len(a), len(b)):
            raise ShapeConflictError(f"cannot contract {axes} axes of arrays of ranks {len(a)} and {len(b)}")
        pairs = list(zip(range(len(a) - axes, len(a)), range(axes), strict=True))
    else:
        first, second = axes
        if len(first) != len(second):
            raise ShapeConflictError(f"{len(first)} axes of the first array paired with {len(second)}")
        pairs = [
            (x % len(a) if -len(a) <= x < len(a) else x, y % len(b) if -len(b) <= y < len(b) else y)
            for x, y in zip(first, second, strict=True)
        ]
        for x, y in pairs:
            if not (0 <= x < len(a) and 0 <= y < len(b)):
                raise ShapeConflictError(f"axes ({x}, {y}) out of range for ranks {len(a)} and {len(b)}")
    for x, y in pairs:
        if definitely_differ(a[x], b[y]):
            raise ShapeConflictError(
                f"contracted sizes differ (axes {x} and {y})", (render_dim(a[x]), render_dim(b[y])), (0, 1)
            )
    kept_a = [dim for axis, dim in enumerate(a) if axis not in {x for x, _ in pairs}]
    kept_b = [dim for axis, dim in enumerate(b) if axis not in {y for _, y in pairs}]
    return (*kept_a, *kept_b)


def inner(a: Shape, b: Shape) -> Shape:
    """``np.inner``: the last axes are contracted; scalars multiply."""
    if not a or not b:
        return a or b
    if definitely_differ(a[-1], b[-1]):
        raise ShapeConflictError("last sizes differ", (render_dim(a[-1]), render_dim(b[-1])), (0, 1))
    return (*a[:-1], *b[:-1])


def outer(a: Shape, b: Shape) -> Shape:
    """``np.outer``: both arrays flattened, every product: ``(a.size, b.size)``."""
    return (count(a).as_dim(), count(b).as_dim())
