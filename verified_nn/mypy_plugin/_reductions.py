"""Reductions along axes: ``sum``, ``mean``, ``max``, ``min``, ``argmax``, ... with ``axis`` and ``keepdims``.

A reduction drops the axes it reduces (or keeps them as size 1 with ``keepdims=True``); reducing every
axis gives a scalar, which numpy's stubs already type.
"""

from collections.abc import Callable

from mypy.nodes import Expression, NameExpr, TupleExpr
from mypy.types import Type

from . import _sizes as sizes
from ._calls import CallView, Inferred, Operand, Rule, explained
from ._types import (
    any_dtype,
    bool_dtype,
    dtype_of,
    evaluate_bool,
    evaluate_int,
    index_dtype,
    is_inexact_dtype,
    literal_bool_of_type,
)

__all__ = ["FUNCTIONS", "METHODS"]

DTypeRule = Callable[[Operand, CallView], Type | None]


def _same(array: Operand, view: CallView) -> Type | None:
    """max and min: the array's own dtype."""
    return dtype_of(array.type)


def _inexact(array: Operand, view: CallView) -> Type | None:
    """sum, mean, prod, std, var: a float or complex array keeps its dtype; others are left unknown."""
    dtype = dtype_of(array.type)
    return dtype if is_inexact_dtype(dtype) else any_dtype(view.api)


def _unknown(array: Operand, view: CallView) -> Type | None:
    """``np.add.reduce`` and the like: the dtype is the ufunc's; left unknown."""
    return any_dtype(view.api)


def _index(array: Operand, view: CallView) -> Type | None:
    """argmax, argmin: integer indices whatever the array's dtype, so that ``np.eye(10)[p.argmax(axis=1)]`` is
    integer-array indexing even for an array of unknown dtype."""
    return index_dtype(view.api)


def _boolean(array: Operand, view: CallView) -> Type | None:
    """any, all: booleans."""
    return bool_dtype(view.api)


def _axes(expr: Expression | None, default: int | None) -> tuple[bool, list[int] | None]:
    """``axis`` as (literal?, axes): absent gives ``default``; None reduces every axis; an int or a tuple of ints."""
    if expr is None:
        return True, None if default is None else [default]
    if isinstance(expr, NameExpr) and expr.fullname == "builtins.None":
        return True, None
    items = expr.items if isinstance(expr, TupleExpr) else [expr]
    values = [evaluate_int(item) for item in items]
    return all(v is not None for v in values), [v for v in values if v is not None]


def _keepdims(view: CallView, expr: Expression | None) -> bool | None:
    if expr is None:
        return False
    value = evaluate_bool(expr)
    return value if value is not None else literal_bool_of_type(view.type_of(expr))


def _reduction(
    operation: str,
    dtype: DTypeRule,
    *,
    method: bool,
    array: str = "a",
    axis_at: int | None = None,
    default_axis: int | None = None,
) -> Rule:
    """A reduction over ``axis`` (at position ``axis_at``, after the array by default)."""
    first = (0 if method else 1) if axis_at is None else axis_at

    def rule(view: CallView) -> Inferred | None:
        if view.has_keyword("out"):
            return None  # the result is ``out`` itself, as numpy's stubs say
        if method:
            operand = view.receiver_operand("receiver")
        else:
            a = view.arg(array, 0)
            if a is None:
                return None
            operand = view.operand(a, "argument 1")
        if not isinstance(operand.shape, tuple):
            return None
        literal, axes = _axes(view.arg("axis", first), default_axis)
        keepdims = _keepdims(view, view.arg("keepdims", None))
        if not literal or keepdims is None:
            return None
        with explained(operation, [operand]):
            shape = sizes.reduce(operand.shape, axes, keepdims=keepdims)
        return Inferred(shape, dtype(operand, view))

    return rule


_REDUCTIONS: dict[str, DTypeRule] = {
    "sum": _inexact,
    "mean": _inexact,
    "prod": _inexact,
    "std": _inexact,
    "var": _inexact,
    "max": _same,
    "min": _same,
    "argmax": _index,
    "argmin": _index,
    "any": _boolean,
    "all": _boolean,
}
_FUNCTION_ALIASES = {"amax": "max", "amin": "min"}

METHODS: dict[str, Rule] = {
    f"numpy.ndarray.{name}": _reduction(name, dtype, method=True) for name, dtype in _REDUCTIONS.items()
}
FUNCTIONS: dict[str, Rule] = {
    f"numpy._core.fromnumeric.{name}": _reduction(name, dtype, method=False) for name, dtype in _REDUCTIONS.items()
}
FUNCTIONS.update(
    {
        f"numpy._core.fromnumeric.{alias}": _reduction(name, _REDUCTIONS[name], method=False)
        for alias, name in _FUNCTION_ALIASES.items()
    }
)
_NAN = {
    name: _REDUCTIONS[name.removeprefix("nan")]
    for name in ("nansum", "nanmean", "nanmax", "nanmin", "nanstd", "nanvar")
}
FUNCTIONS.update(
    {f"numpy.lib._nanfunctions_impl.{name}": _reduction(name, dtype, method=False) for name, dtype in _NAN.items()}
)
# ``np.add.reduce(a)`` reduces axis 0 unless told otherwise; ``np.linalg.norm(x, ord, axis)`` every axis.
FUNCTIONS["numpy.linalg._linalg.norm"] = _reduction("norm", _inexact, method=False, array="x", axis_at=2)
METHODS["numpy._typing._ufunc._UFunc_Nin2_Nout1.reduce"] = _reduction(
    "reduce", _unknown, method=False, array="array", axis_at=1, default_axis=0
)
