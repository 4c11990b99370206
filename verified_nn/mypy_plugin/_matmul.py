"""Matrix products and axis permutations: ``@``, ``np.matmul``, ``np.dot``, ``.T``, ``transpose``, ``swapaxes``.

numpy's stubs type ``x @ w`` as of unknown shape and ``w.T`` as keeping the shape of ``w``; here the
product's inner sizes must agree and ``.T`` reverses the axes.
"""

from collections.abc import Callable, Sequence
from functools import partial

from mypy.nodes import Expression, ListExpr, NameExpr, TupleExpr
from mypy.plugin import CheckerPluginInterface
from mypy.subtypes import is_same_type
from mypy.types import Instance, LiteralType, Type, get_proper_type

from . import _sizes as sizes
from ._calls import CallView, Inferred, Operand, Rule, explained
from ._sizes import Shape
from ._types import any_dtype, dtype_of, evaluate_int

__all__ = ["ATTRIBUTES", "FUNCTIONS", "METHODS"]

Product = Callable[[Shape, Shape], Shape]


def _common_dtype(left: Operand, right: Operand, api: CheckerPluginInterface) -> Type:
    """The operands' dtype when they share one; else ``np.dtype[Any]`` (numpy's stubs then give ``Any``)."""
    a, b = dtype_of(left.type), dtype_of(right.type)
    return a if a is not None and b is not None and is_same_type(a, b) else any_dtype(api)


def _multiply(operation: str, product: Product, left: Operand, right: Operand, view: CallView) -> Inferred | None:
    if not isinstance(left.shape, tuple) or not isinstance(right.shape, tuple):
        return None
    with explained(operation, [left, right]):
        shape = product(left.shape, right.shape)
    return Inferred(shape, _common_dtype(left, right, view.api))


def _operator(method: str) -> Rule:
    """``a @ b`` through ``a.__matmul__(b)`` or, reflected, ``b.__rmatmul__(a)``."""

    def rule(view: CallView) -> Inferred | None:
        operands = view.binary_operands(method)
        return None if operands is None else _multiply("matmul", sizes.matmul, *operands, view)

    return rule


def _vecdot(a: Shape, b: Shape) -> Shape:
    """``(..., n) . (..., n) -> (...)``."""
    _ranks(a, 1, b, 1)
    return _contracted(a[-1], b[-1], a[:-1], b[:-1], ())


def _matvec(a: Shape, b: Shape) -> Shape:
    """``(..., m, n) @ (..., n) -> (..., m)``."""
    _ranks(a, 2, b, 1)
    return _contracted(a[-1], b[-1], a[:-2], b[:-1], a[-2:-1])


def _vecmat(a: Shape, b: Shape) -> Shape:
    """``(..., n) @ (..., n, m) -> (..., m)``."""
    _ranks(a, 1, b, 2)
    return _contracted(a[-1], b[-2], a[:-1], b[:-2], b[-1:])


def _ranks(a: Shape, least_a: int, b: Shape, least_b: int) -> None:
    for operand, (shape, least) in enumerate(((a, least_a), (b, least_b))):
        if len(shape) < least:
            raise sizes.ShapeConflictError(f"needs an array of rank {least} or more", operands=(operand,))


def _contracted(left: sizes.Dim, right: sizes.Dim, batch_a: Shape, batch_b: Shape, kept: Shape) -> Shape:
    """The sizes ``left`` and ``right`` are summed over (they must agree); the stacks broadcast; ``kept`` follows."""
    if sizes.definitely_differ(left, right):
        raise sizes.ShapeConflictError("inner sizes differ", (sizes.render_dim(left), sizes.render_dim(right)), (0, 1))
    batch = sizes.broadcast([batch_a, batch_b])
    assert isinstance(batch, tuple)
    return (*batch, *kept)


_GUFUNCS: dict[str, Product] = {"matmul": sizes.matmul, "vecdot": _vecdot, "matvec": _matvec, "vecmat": _vecmat}


def _matmul_ufunc(view: CallView) -> Inferred | None:
    """``np.matmul(a, b)``, ``np.vecdot``, ``np.matvec``, ``np.vecmat``: generalized ufuncs, named in numpy's stubs."""
    receiver = get_proper_type(view.receiver)
    name = get_proper_type(receiver.args[0]) if isinstance(receiver, Instance) and receiver.args else None
    a, b = view.arg(None, 0), view.arg(None, 1)
    product = _GUFUNCS.get(name.value) if isinstance(name, LiteralType) and isinstance(name.value, str) else None
    if product is None or a is None or b is None or view.has_keyword("out"):
        return None
    operation = str(name.value) if isinstance(name, LiteralType) else "matmul"
    return _multiply(operation, product, view.operand(a, "argument 1"), view.operand(b, "argument 2"), view)


def _dot_function(view: CallView) -> Inferred | None:
    a, b = view.arg("a", 0), view.arg("b", 1)
    if a is None or b is None:
        return None
    return _multiply("dot", sizes.dot, view.operand(a, "argument 1"), view.operand(b, "argument 2"), view)


def _dot_method(view: CallView) -> Inferred | None:
    b = view.arg("b", 0)
    receiver = view.receiver_operand("receiver")
    if b is None or receiver.shape is None:
        return None
    return _multiply("dot", sizes.dot, receiver, view.operand(b, "argument"), view)


# ------------------------------------------------------------ permutations


def _axes(view: CallView, exprs: Sequence[Expression]) -> list[int] | None:
    """Axes given as ``1, 0``, ``(1, 0)`` or ``[1, 0]``: all literal, else None."""
    if len(exprs) == 1 and isinstance(exprs[0], TupleExpr | ListExpr):
        exprs = exprs[0].items
    values = [evaluate_int(e) for e in exprs]
    return None if any(v is None for v in values) else [v for v in values if v is not None]


def _is_none(expr: Expression) -> bool:
    return isinstance(expr, NameExpr) and expr.fullname == "builtins.None"


def _transpose(
    array: Operand, axes_exprs: Sequence[Expression], view: CallView, operation: str = "transpose"
) -> Inferred | None:
    if not isinstance(array.shape, tuple):
        return None
    if not axes_exprs or (len(axes_exprs) == 1 and _is_none(axes_exprs[0])):
        axes = None
    else:
        axes = _axes(view, axes_exprs)
        if axes is None:
            return None
    with explained(operation, [array]):
        return Inferred(sizes.transpose(array.shape, axes), dtype_of(array.type))


def _transpose_method(view: CallView) -> Inferred | None:
    return _transpose(view.receiver_operand("receiver"), view.arg_list("axes", 0), view)


def _transpose_function(view: CallView, operation: str = "transpose") -> Inferred | None:
    a, axes = view.arg("a", 0), view.arg("axes", 1)
    if a is None:
        return None
    return _transpose(view.operand(a, "argument 1"), [] if axes is None else [axes], view, operation)


def _swapaxes(array: Operand, first: Expression | None, second: Expression | None) -> Inferred | None:
    if not isinstance(array.shape, tuple) or first is None or second is None:
        return None
    i, j = evaluate_int(first), evaluate_int(second)
    if i is None or j is None:
        return None
    with explained("swapaxes", [array]):
        return Inferred(sizes.swapaxes(array.shape, i, j), dtype_of(array.type))


def _swapaxes_method(view: CallView) -> Inferred | None:
    return _swapaxes(view.receiver_operand("receiver"), view.arg("axis1", 0), view.arg("axis2", 1))


def _swapaxes_function(view: CallView) -> Inferred | None:
    a = view.arg("a", 0)
    if a is None:
        return None
    return _swapaxes(view.operand(a, "argument 1"), view.arg("axis1", 1), view.arg("axis2", 2))


def _matrix_transpose(shape: Shape) -> Shape | None:
    return (*shape[:-2], shape[-1], shape[-2]) if len(shape) >= 2 else None


METHODS: dict[str, Rule] = {
    "numpy.ndarray.__matmul__": _operator("__matmul__"),
    "numpy.ndarray.__rmatmul__": _operator("__rmatmul__"),
    "numpy._typing._ufunc._GUFunc_Nin2_Nout1.__call__": _matmul_ufunc,
    "numpy.ndarray.dot": _dot_method,
    "numpy.ndarray.transpose": _transpose_method,
    "numpy.ndarray.swapaxes": _swapaxes_method,
}

FUNCTIONS: dict[str, Rule] = {
    "numpy._core.multiarray.dot": _dot_function,
    "numpy._core.fromnumeric.transpose": _transpose_function,
    # numpy's stubs: ``permute_dims = transpose``, called by its own name (numpy 2.5's stubs keep the shape)
    "numpy.permute_dims": partial(_transpose_function, operation="permute_dims"),
    "numpy._core.fromnumeric.swapaxes": _swapaxes_function,
}

ATTRIBUTES: dict[str, Callable[[Shape], Shape | None]] = {
    # ``.T`` is declared once for arrays and scalars in numpy's stubs.
    "numpy._ArrayOrScalarCommon.T": lambda shape: shape[::-1],
    "numpy._ArrayOrScalarCommon.mT": _matrix_transpose,
}
