"""Contractions: ``np.einsum`` (its subscripts read), ``np.tensordot``, ``np.inner``, ``np.outer``, and the
square matrices of ``np.linalg.inv`` and ``np.linalg.solve``."""

from collections.abc import Callable

from mypy.nodes import ARG_POS, CallExpr, ListExpr, TupleExpr

from . import _einsum
from ._calls import CallView, Inferred, Rule, explained
from ._sizes import Shape, ShapeConflictError, broadcast, definitely_differ, render_dim
from ._types import any_dtype, dtype_of

__all__ = ["FUNCTIONS"]


def _einsum_rule(view: CallView) -> Inferred | None:
    """``np.einsum("ij,jk->ik", a, b)``: the subscripts must be a literal string, the operands positional."""
    call = view.context
    if not isinstance(call, CallExpr) or view.has_keyword("out"):
        return None
    positional = [arg for arg, kind in zip(call.args, call.arg_kinds, strict=True) if kind == ARG_POS]
    subscripts = view.text(positional[0]) if positional else None
    if subscripts is None:
        return None
    operands = [view.operand(arg, f"operand {i}") for i, arg in enumerate(positional[1:], start=1)]
    if not all(isinstance(o.shape, tuple) for o in operands):
        return None
    with explained("einsum", operands):
        shape = _einsum.einsum(subscripts, [o.shape for o in operands if isinstance(o.shape, tuple)])
    return Inferred(shape, any_dtype(view.api))


def _pair(name: str, product: Callable[[Shape, Shape], Shape]) -> Rule:
    def rule(view: CallView) -> Inferred | None:
        a, b = view.arg("a", 0), view.arg("b", 1)
        if a is None or b is None:
            return None
        first, second = view.operand(a, "argument 1"), view.operand(b, "argument 2")
        if not isinstance(first.shape, tuple) or not isinstance(second.shape, tuple):
            return None
        with explained(name, [first, second]):
            shape = product(first.shape, second.shape)
        return Inferred(shape, any_dtype(view.api))

    return rule


def _tensordot(view: CallView) -> Inferred | None:
    a, b, axes_expr = view.arg("a", 0), view.arg("b", 1), view.arg("axes", 2)
    if a is None or b is None:
        return None
    axes: int | tuple[list[int], list[int]] | None
    if axes_expr is None:
        axes = 2
    elif isinstance(axes_expr, TupleExpr | ListExpr) and len(axes_expr.items) == 2:
        first, second = view.ints(axes_expr.items[0]), view.ints(axes_expr.items[1])
        axes = None if first is None or second is None else (first, second)
    else:
        axes = view.int_value(axes_expr)
    first_op, second_op = view.operand(a, "argument 1"), view.operand(b, "argument 2")
    if axes is None or not isinstance(first_op.shape, tuple) or not isinstance(second_op.shape, tuple):
        return None
    with explained("tensordot", [first_op, second_op]):
        shape = _einsum.tensordot(first_op.shape, second_op.shape, axes)
    return Inferred(shape, any_dtype(view.api))


def _square(shape: Shape) -> None:
    if len(shape) < 2:
        raise ShapeConflictError(f"needs a matrix, not an array of rank {len(shape)}")
    if definitely_differ(shape[-2], shape[-1]):
        raise ShapeConflictError("the matrix is not square", (render_dim(shape[-2]), render_dim(shape[-1])), (0, 0))


def _inv(view: CallView) -> Inferred | None:
    a = view.arg("a", 0)
    array = None if a is None else view.operand(a, "argument 1")
    if array is None or not isinstance(array.shape, tuple):
        return None
    with explained("inv", [array]):
        _square(array.shape)
    return Inferred(array.shape, dtype_of(array.type))


def _solve(view: CallView) -> Inferred | None:
    """``np.linalg.solve(a, b)``: ``a`` square ``(..., n, n)``, ``b`` ``(..., n)`` or ``(..., n, k)``: ``b``'s shape."""
    a, b = view.arg("a", 0), view.arg("b", 1)
    if a is None or b is None:
        return None
    matrix, rhs = view.operand(a, "a"), view.operand(b, "b")
    if not isinstance(matrix.shape, tuple) or not isinstance(rhs.shape, tuple) or not rhs.shape:
        return None
    with explained("solve", [matrix, rhs]):
        _square(matrix.shape)
        vector = len(rhs.shape) == 1
        rows = rhs.shape[0] if vector else rhs.shape[-2]
        if definitely_differ(matrix.shape[-1], rows):
            raise ShapeConflictError("sizes differ", (render_dim(matrix.shape[-1]), render_dim(rows)), (0, 1))
        if not vector:
            broadcast([matrix.shape[:-2], rhs.shape[:-2]])
    return Inferred(rhs.shape, any_dtype(view.api))


FUNCTIONS: dict[str, Rule] = {
    "numpy._core.einsumfunc.einsum": _einsum_rule,
    "numpy._core.numeric.tensordot": _tensordot,
    "numpy._core.multiarray.inner": _pair("inner", _einsum.inner),
    "numpy._core.numeric.outer": _pair("outer", _einsum.outer),
    "numpy.linalg._linalg.inv": _inv,
    "numpy.linalg._linalg.solve": _solve,
}
