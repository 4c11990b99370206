"""Indexing and gathering: ``x[i]``, ``x[:, None]``, ``x[..., 0]``, ``x[idx]``, ``x[mask]``, ``np.take``,
``np.take_along_axis``.

Basic indices (integers, slices with literal bounds, ``None``, ``...``) and advanced ones (arrays of
integers, literal lists of integers, boolean masks) follow numpy's rules (``_index_sizes``). An index of
unknown kind (an array of unknown dtype, a slice held in a variable) leaves the result to numpy's stubs.
"""

from mypy.nodes import EllipsisExpr, Expression, IntExpr, ListExpr, NameExpr, SliceExpr, TupleExpr
from mypy.types import Instance, LiteralType, Type, TypeVarType, get_proper_type

from . import _index_sizes as indexing
from ._calls import CallView, Inferred, Operand, Rule, explained
from ._index_sizes import ArrayIndex, BoolIndex, EllipsisIndex, Index, IntIndex, NewAxis, SliceIndex
from ._sizes import Known, Shape
from ._types import array_shape, describe, dtype_of, evaluate_int, is_none, literal_int_of_type

__all__ = ["FUNCTIONS", "METHODS"]


def _bound(view: CallView, expr: Expression | None) -> tuple[bool, int | None]:
    """A slice bound as (literal?, value); an absent bound or ``None`` is literal with value None."""
    if expr is None or (isinstance(expr, NameExpr) and expr.fullname == "builtins.None"):
        return True, None
    value = evaluate_int(expr)
    if value is None:
        value = literal_int_of_type(view.type_of(expr))
    return value is not None, value


def _scalar_kind(typ: Type) -> str | None:
    """``"int"`` or ``"bool"`` for a Python or numpy scalar of that kind (a type variable by its bound)."""
    proper = get_proper_type(typ)
    if isinstance(proper, TypeVarType):
        proper = get_proper_type(proper.upper_bound)
    if isinstance(proper, LiteralType):
        proper = proper.fallback
    if not isinstance(proper, Instance):
        return None
    if proper.type.fullname == "builtins.bool" or proper.type.has_base("numpy.bool"):
        return "bool"
    if proper.type.fullname == "builtins.int" or proper.type.has_base("numpy.integer"):
        return "int"
    return None


def _array_index(typ: Type) -> Index | None:
    """An integer array or a boolean mask of static shape; None for any other array."""
    shape, dtype = array_shape(typ), get_proper_type(dtype_of(typ))
    if not isinstance(shape, tuple) or not isinstance(dtype, Instance) or not dtype.args:
        return None
    kind = _scalar_kind(dtype.args[0])
    if kind == "bool":
        return BoolIndex(shape)
    return ArrayIndex(shape) if kind == "int" else None


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
    if isinstance(expr, ListExpr) and expr.items and all(isinstance(item, IntExpr) for item in expr.items):
        return ArrayIndex((Known(len(expr.items)),))
    if (isinstance(expr, NameExpr) and expr.fullname == "builtins.None") or is_none(view.type_of(expr)):
        return NewAxis()
    typ = view.type_of(expr)
    if _scalar_kind(typ) == "int":
        return IntIndex(literal_int_of_type(typ))
    return _array_index(typ)  # an array, or None: a list, a slice held in a variable, ... left to the stubs


def _index_shape(item: Index | None) -> Shape | None:
    """How an index item is shown in a message: an array's shape, an integer's ``()``."""
    if isinstance(item, ArrayIndex | BoolIndex):
        return item.shape
    return () if isinstance(item, IntIndex) else None


def _getitem(view: CallView) -> Inferred | None:
    array = view.receiver_operand("receiver")
    key = view.arg(None, 0)
    if not isinstance(array.shape, tuple) or key is None:
        return None
    exprs = key.items if isinstance(key, TupleExpr) else [key]
    items = [_item(view, e) for e in exprs]
    if any(item is None for item in items):
        return None
    indices = [
        Operand(describe(e, f"index {n}"), _index_shape(i), None)
        for n, (e, i) in enumerate(zip(exprs, items, strict=True), 1)
    ]
    with explained("index", [array, *indices]):
        return Inferred(indexing.index(array.shape, [i for i in items if i is not None]), dtype_of(array.type))


def _indices(view: CallView, expr: Expression | None) -> Shape | None:
    """The shape of an ``indices`` argument: an integer array, a literal list of integers, or one integer."""
    if expr is None:
        return None
    item = _item(view, expr)
    if isinstance(item, ArrayIndex):
        return item.shape
    return () if isinstance(item, IntIndex) else None


def _take(
    view: CallView, array: Operand, indices_expr: Expression | None, axis_expr: Expression | None
) -> Inferred | None:
    indices = _indices(view, indices_expr)
    if not isinstance(array.shape, tuple) or indices is None:
        return None
    if axis_expr is None or view.is_none(axis_expr):
        axis = None
    else:
        axis = view.int_value(axis_expr)
        if axis is None:
            return None
    with explained("take", [array]):
        return Inferred(indexing.take(array.shape, indices, axis), dtype_of(array.type))


def _take_method(view: CallView) -> Inferred | None:
    return _take(view, view.receiver_operand("receiver"), view.arg("indices", 0), view.arg("axis", 1))


def _take_function(view: CallView) -> Inferred | None:
    a = view.arg("a", 0)
    if a is None:
        return None
    return _take(view, view.operand(a, "argument 1"), view.arg("indices", 1), view.arg("axis", 2))


def _take_along_axis(view: CallView) -> Inferred | None:
    a, indices_expr, axis_expr = view.arg("arr", 0), view.arg("indices", 1), view.arg("axis", 2)
    if a is None or indices_expr is None or axis_expr is None:
        return None
    array, indices = view.operand(a, "arr"), view.operand(indices_expr, "indices")
    axis = None if view.is_none(axis_expr) else view.int_value(axis_expr)
    if not isinstance(array.shape, tuple) or not isinstance(indices.shape, tuple):
        return None
    if axis is None and not view.is_none(axis_expr):
        return None
    with explained("take_along_axis", [array, indices]):
        return Inferred(indexing.take_along_axis(array.shape, indices.shape, axis), dtype_of(array.type))


METHODS: dict[str, Rule] = {
    "numpy.ndarray.__getitem__": _getitem,
    "numpy.ndarray.take": _take_method,
}
FUNCTIONS: dict[str, Rule] = {
    "numpy._core.fromnumeric.take": _take_function,
    "numpy.lib._shape_base_impl.take_along_axis": _take_along_axis,
}
