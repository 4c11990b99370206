"""Reshaping and indexing: ``reshape`` (element count checked, one ``-1`` inferred), ``ravel``, ``flatten``,
``astype`` (shape kept), and basic indexing with integers, slices, ``None``/``np.newaxis`` and ``...``."""

from collections.abc import Sequence

from mypy.nodes import EllipsisExpr, Expression, ListExpr, NameExpr, SliceExpr, TupleExpr
from mypy.types import Instance, LiteralType, TypeVarType, get_proper_type

from . import _sizes as sizes
from ._calls import CallView, Inferred, Operand, Rule, explained
from ._sizes import UNKNOWN, AnyShape, EllipsisIndex, Index, IntIndex, Known, NewAxis, SliceIndex, WholeShape
from ._types import dtype_of, evaluate_int, is_none, literal_int_of_type

__all__ = ["FUNCTIONS", "METHODS"]


def _requested(view: CallView, exprs: Sequence[Expression]) -> AnyShape:
    """The new shape: ``reshape(64, 784)``, ``reshape((64, 784))``, ``reshape(x.shape)``, ``reshape(-1)``."""
    if len(exprs) == 1:
        return view.shape_argument(exprs[0])
    return tuple(view.dim(e) for e in exprs) if exprs else None


def _reshape(view: CallView, array: Operand, exprs: Sequence[Expression]) -> Inferred | None:
    requested = _requested(view, exprs)
    if requested is None:
        return None
    if isinstance(requested, WholeShape):
        # ``reshape(x.shape)`` for ``x: ndarray[S, D]``: the result is an ``S`` (element counts unknown).
        return Inferred(requested, dtype_of(array.type))
    if not isinstance(array.shape, tuple):
        # Nothing to check, but the arguments alone give the result's shape: ``asarray(data).reshape(-1, 784)``.
        return Inferred(tuple(UNKNOWN if d == Known(-1) else d for d in requested), dtype_of(array.type))
    new_shape = Operand("new shape", requested, None)
    items = exprs[0].items if len(exprs) == 1 and isinstance(exprs[0], TupleExpr | ListExpr) else exprs
    products = [view.size_product(e) for e in items] if len(items) == len(requested) else []
    with explained("reshape", [array, new_shape]):
        return Inferred(sizes.reshape(array.shape, requested, products), dtype_of(array.type))


def _reshape_method(view: CallView) -> Inferred | None:
    return _reshape(view, view.receiver_operand("receiver"), view.arg_list("shape", 0))


def _reshape_function(view: CallView) -> Inferred | None:
    a, shape = view.arg("a", 0), view.arg("shape", 1)
    if a is None or shape is None:
        return None
    return _reshape(view, view.operand(a, "argument 1"), [shape])


def _ravel(array: Operand) -> Inferred | None:
    if not isinstance(array.shape, tuple):
        return None
    return Inferred(sizes.ravel(array.shape), dtype_of(array.type))


def _ravel_method(view: CallView) -> Inferred | None:
    return _ravel(view.receiver_operand("receiver"))


def _ravel_function(view: CallView) -> Inferred | None:
    a = view.arg("a", 0)
    return None if a is None else _ravel(view.operand(a, "argument 1"))


def _astype(view: CallView) -> Inferred | None:
    """``astype`` changes the dtype (numpy's stubs say which) and keeps the shape."""
    array = view.receiver_operand("receiver")
    return None if array.shape is None else Inferred(array.shape)


# ------------------------------------------------------------ indexing


def _bound(view: CallView, expr: Expression | None) -> tuple[bool, int | None]:
    """A slice bound as (literal?, value); an absent bound or ``None`` is literal with value None."""
    if expr is None or (isinstance(expr, NameExpr) and expr.fullname == "builtins.None"):
        return True, None
    value = evaluate_int(expr)
    if value is None:
        value = literal_int_of_type(view.type_of(expr))
    return value is not None, value


def _is_integer(view: CallView, expr: Expression) -> bool:
    typ = get_proper_type(view.type_of(expr))
    if isinstance(typ, TypeVarType):
        typ = get_proper_type(typ.upper_bound)
    if isinstance(typ, LiteralType):
        return type(typ.value) is int
    return isinstance(typ, Instance) and (typ.type.fullname == "builtins.int" or typ.type.has_base("numpy.integer"))


def _item(view: CallView, expr: Expression) -> Index | None:
    if isinstance(expr, SliceExpr):
        bounds = [_bound(view, e) for e in (expr.begin_index, expr.end_index, expr.stride)]
        (start_ok, start), (stop_ok, stop), (step_ok, step) = bounds
        return SliceIndex(start, stop, step, static=start_ok and stop_ok and step_ok)
    if isinstance(expr, EllipsisExpr):
        return EllipsisIndex()
    value = evaluate_int(expr)
    if value is not None:
        return IntIndex(value)
    if (isinstance(expr, NameExpr) and expr.fullname == "builtins.None") or is_none(view.type_of(expr)):
        return NewAxis()
    if _is_integer(view, expr):
        return IntIndex(literal_int_of_type(view.type_of(expr)))
    return None  # an array, a list, a boolean, a slice object held in a variable: left to the stubs


def _getitem(view: CallView) -> Inferred | None:
    array = view.receiver_operand("receiver")
    key = view.arg(None, 0)
    if not isinstance(array.shape, tuple) or key is None:
        return None
    items = [_item(view, e) for e in (key.items if isinstance(key, TupleExpr) else [key])]
    if any(item is None for item in items):
        return None
    with explained("index", [array]):
        return Inferred(sizes.index(array.shape, [i for i in items if i is not None]), dtype_of(array.type))


METHODS: dict[str, Rule] = {
    "numpy.ndarray.reshape": _reshape_method,
    "numpy.ndarray.ravel": _ravel_method,
    "numpy.ndarray.flatten": _ravel_method,
    "numpy.ndarray.astype": _astype,
    "numpy.ndarray.__getitem__": _getitem,
}
FUNCTIONS: dict[str, Rule] = {
    "numpy._core.fromnumeric.reshape": _reshape_function,
    "numpy._core.fromnumeric.ravel": _ravel_function,
}
