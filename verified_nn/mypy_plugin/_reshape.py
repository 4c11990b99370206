"""Reshaping: ``reshape`` (element count checked, one ``-1`` inferred), ``ravel``, ``flatten``, ``astype``."""

from collections.abc import Sequence

from mypy.nodes import Expression, ListExpr, TupleExpr
from mypy.types import CallableType, Instance, Type, TypeType, get_proper_type

from . import _sizes as sizes
from ._calls import CallView, Inferred, Operand, Rule, explained
from ._sizes import UNKNOWN, AnyShape, Known, WholeShape
from ._types import dtype_of

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
    """``astype`` changes the dtype and keeps the shape. A scalar class given as the dtype (``np.float16``)
    is the result's dtype: numpy's stubs lose it when the receiver's own dtype is not fully known."""
    array = view.receiver_operand("receiver")
    if array.shape is None:
        return None
    dtype_expr = view.arg("dtype", 0)
    scalar = _scalar_class(view.type_of(dtype_expr)) if dtype_expr is not None else None
    return Inferred(array.shape, view.api.named_generic_type("numpy.dtype", [scalar]) if scalar else None)


def _scalar_class(typ: Type) -> Instance | None:
    """The numpy scalar type that a class object (``np.float16``, ``np.int64``) stands for, else None."""
    proper = get_proper_type(typ)
    if isinstance(proper, TypeType):
        proper = get_proper_type(proper.item)
    elif isinstance(proper, CallableType) and proper.is_type_obj():
        proper = get_proper_type(proper.ret_type)
    else:
        return None
    return proper if isinstance(proper, Instance) and proper.type.has_base("numpy.generic") else None


METHODS: dict[str, Rule] = {
    "numpy.ndarray.reshape": _reshape_method,
    "numpy.ndarray.ravel": _ravel_method,
    "numpy.ndarray.flatten": _ravel_method,
    "numpy.ndarray.astype": _astype,
}
FUNCTIONS: dict[str, Rule] = {
    "numpy._core.fromnumeric.reshape": _reshape_function,
    "numpy._core.fromnumeric.ravel": _ravel_function,
}
