"""Elementwise operations with broadcasting: arithmetic and comparison operators, ufuncs (and their ``outer``),
``np.where``, ``np.clip``, ``np.isclose``.

Operands broadcast as numpy does (sizes align from the right; a size 1 stretches); two literal sizes
that differ, neither 1, cannot broadcast. In-place operators must leave the target's shape unchanged.
"""

from collections.abc import Sequence

from mypy.nodes import OperatorAssignmentStmt
from mypy.types import Instance, LiteralType, get_proper_type

from . import _sizes as sizes
from ._calls import CallView, Inferred, Operand, Rule, RuleError, explained
from ._sizes import Known, render_shape
from ._types import any_dtype, bool_dtype, describe, operand_shape

__all__ = ["FUNCTIONS", "METHODS"]

# Operator methods and the ufunc each one calls (the name messages use).
_BINARY = {
    "add": ("__add__", "__radd__"),
    "subtract": ("__sub__", "__rsub__"),
    "multiply": ("__mul__", "__rmul__"),
    "divide": ("__truediv__", "__rtruediv__"),
    "floor_divide": ("__floordiv__", "__rfloordiv__"),
    "remainder": ("__mod__", "__rmod__"),
    "power": ("__pow__", "__rpow__"),
    "bitwise_and": ("__and__", "__rand__"),
    "bitwise_or": ("__or__", "__ror__"),
    "bitwise_xor": ("__xor__", "__rxor__"),
    "less": ("__lt__",),
    "less_equal": ("__le__",),
    "greater": ("__gt__",),
    "greater_equal": ("__ge__",),
    "equal": ("__eq__",),
    "not_equal": ("__ne__",),
}
_IN_PLACE = {
    "add": "__iadd__",
    "subtract": "__isub__",
    "multiply": "__imul__",
    "divide": "__itruediv__",
    "floor_divide": "__ifloordiv__",
    "power": "__ipow__",
}


def _broadcast(operation: str, operands: Sequence[Operand], view: CallView) -> Inferred | None:
    with explained(operation, operands):
        shape = sizes.broadcast([o.shape for o in operands])
    return Inferred(shape, any_dtype(view.api))


_COMPARISONS = frozenset({"less", "less_equal", "greater", "greater_equal", "equal", "not_equal"})


def _operator(operation: str, method: str) -> Rule:
    def rule(view: CallView) -> Inferred | None:
        operands = view.binary_operands(method)
        result = None if operands is None else _broadcast(operation, operands, view)
        if result is not None and operation in _COMPARISONS:
            return Inferred(result.shape, bool_dtype(view.api))  # a mask, whatever the operands' dtypes
        return result

    return rule


def _in_place(operation: str) -> Rule:
    """``x += y``: ``y`` broadcasts to ``x``, whose shape cannot change."""

    def rule(view: CallView) -> Inferred | None:
        value = view.arg(None, 0)
        target_shape = operand_shape(view.receiver)
        if value is None or not isinstance(target_shape, tuple):
            return None
        statement = view.context
        lvalue = statement.lvalue if isinstance(statement, OperatorAssignmentStmt) else None
        target = Operand(describe(lvalue, "target"), target_shape, view.receiver)
        other = view.operand(value, "value")
        result = _broadcast(f"{operation} (in place)", [target, other], view)
        if result is None or not isinstance(result.shape, tuple):
            return None
        grown = len(result.shape) != len(target_shape) or any(
            isinstance(new, Known) and sizes.definitely_differ(new, old)
            for new, old in zip(result.shape, target_shape, strict=True)
        )
        if grown:
            raise RuleError(
                f"{operation} (in place): the result {render_shape(result.shape)} does not fit the target "
                f"({target.name}: {render_shape(target_shape)})"
            )
        return None  # the target keeps its type

    return rule


def _ufunc_name(view: CallView) -> str:
    receiver = get_proper_type(view.receiver)
    if isinstance(receiver, Instance) and receiver.args:
        name = get_proper_type(receiver.args[0])
        if isinstance(name, LiteralType) and isinstance(name.value, str):
            return name.value
    return "ufunc"


def _unary_ufunc(view: CallView) -> Inferred | None:
    """``np.exp(x)``, ``np.log(x)``, ``np.tanh(x)``, ...: the shape of ``x``."""
    x = view.arg(None, 0)
    if x is None or view.has_keyword("out"):
        return None
    shape = operand_shape(view.type_of(x))
    return None if shape == () else Inferred(shape, any_dtype(view.api))


def _binary_ufunc(view: CallView) -> Inferred | None:
    """``np.maximum(x, 0)``, ``np.add(a, b)``, ...: the operands broadcast."""
    exprs = [view.arg(None, 0), view.arg(None, 1)]
    if exprs[0] is None or exprs[1] is None or view.has_keyword("out"):
        return None
    operands = [view.operand(e, f"argument {i}") for i, e in enumerate(exprs, start=1) if e is not None]
    return _broadcast(_ufunc_name(view), operands, view)


def _clip(method: bool) -> Rule:
    """``np.clip(a, lo, hi)`` and ``a.clip(lo, hi)``: the array and the bounds broadcast (``None`` is no bound)."""

    def rule(view: CallView) -> Inferred | None:
        if method:
            array = view.receiver_operand("receiver")
            bounds = [view.arg("min", 0), view.arg("max", 1)]
        else:
            a = view.arg("a", 0)
            if a is None:
                return None
            array = view.operand(a, "a")
            bounds = [view.arg("a_min", 1) or view.arg("min", None), view.arg("a_max", 2) or view.arg("max", None)]
        if view.has_keyword("out") or array.shape is None:
            return None
        given = [(b, name) for b, name in zip(bounds, ("min", "max"), strict=True) if b is not None]
        operands = [array] + [view.operand(b, name) for b, name in given if not view.is_none(b)]
        return _broadcast("clip", operands, view)

    return rule


def _pair_of(operation: str, first: str, second: str) -> Rule:
    """A function of two arrays that broadcast (``np.isclose(a, b)``)."""

    def rule(view: CallView) -> Inferred | None:
        a, b = view.arg(first, 0), view.arg(second, 1)
        if a is None or b is None:
            return None
        return _broadcast(operation, [view.operand(a, first), view.operand(b, second)], view)

    return rule


def _ufunc_outer(view: CallView) -> Inferred | None:
    """``np.multiply.outer(a, b)``: every pair, ``a.shape + b.shape``."""
    exprs = [view.arg(None, 0), view.arg(None, 1)]
    if exprs[0] is None or exprs[1] is None or view.has_keyword("out"):
        return None
    shapes = [operand_shape(view.type_of(e)) for e in exprs if e is not None]
    if not all(isinstance(s, tuple) for s in shapes):
        return None
    return Inferred(tuple(d for s in shapes if isinstance(s, tuple) for d in s), any_dtype(view.api))


def _where(view: CallView) -> Inferred | None:
    """``np.where(condition, x, y)``: all three broadcast. ``np.where(condition)`` returns indices: left alone."""
    exprs = [view.arg("condition", 0), view.arg("x", 1), view.arg("y", 2)]
    if any(e is None for e in exprs):
        return None
    names = ("condition", "x", "y")
    operands = [view.operand(e, name) for e, name in zip(exprs, names, strict=True) if e is not None]
    return _broadcast("where", operands, view)


METHODS: dict[str, Rule] = {
    f"numpy.ndarray.{method}": _operator(operation, method)
    for operation, methods in _BINARY.items()
    for method in methods
}
METHODS.update({f"numpy.ndarray.{method}": _in_place(operation) for operation, method in _IN_PLACE.items()})
METHODS["numpy._typing._ufunc._UFunc_Nin1_Nout1.__call__"] = _unary_ufunc
METHODS["numpy._typing._ufunc._UFunc_Nin2_Nout1.__call__"] = _binary_ufunc
METHODS["numpy._typing._ufunc._UFunc_Nin1_Nout2.__call__"] = _unary_ufunc  # np.modf, np.frexp: two outputs
METHODS["numpy._typing._ufunc._UFunc_Nin2_Nout2.__call__"] = _binary_ufunc  # np.divmod: two outputs
METHODS["numpy._typing._ufunc._UFunc_Nin2_Nout1.outer"] = _ufunc_outer
METHODS["numpy.ndarray.clip"] = _clip(method=True)

FUNCTIONS: dict[str, Rule] = {
    "numpy._core.multiarray.where": _where,
    "numpy._core.fromnumeric.clip": _clip(method=False),
    "numpy._core.numeric.isclose": _pair_of("isclose", "a", "b"),
}
