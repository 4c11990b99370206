"""Joining arrays: ``np.concatenate`` along an existing axis (sizes add up) and ``np.stack`` along a new one."""

from collections.abc import Callable

from mypy.nodes import ListExpr, NameExpr, TupleExpr

from . import _sizes as sizes
from ._calls import CallView, Inferred, Rule, explained
from ._sizes import Shape
from ._types import dtype_of, evaluate_int

__all__ = ["FUNCTIONS"]

Join = Callable[[list[Shape], int | None], Shape]


def _join(operation: str, join: Join, *, none_flattens: bool) -> Rule:
    def rule(view: CallView) -> Inferred | None:
        arrays = view.arg("arrays", 0)
        if not isinstance(arrays, ListExpr | TupleExpr):
            return None
        operands = [view.operand(item, f"array {i}") for i, item in enumerate(arrays.items, start=1)]
        shapes = [o.shape for o in operands]
        axis_expr = view.arg("axis", 1)
        if axis_expr is None:
            axis: int | None = 0
        elif none_flattens and isinstance(axis_expr, NameExpr) and axis_expr.fullname == "builtins.None":
            axis = None
        else:
            axis = evaluate_int(axis_expr)
            if axis is None:
                return None
        if not operands or not all(isinstance(s, tuple) for s in shapes):
            return None
        with explained(operation, operands):
            shape = join([s for s in shapes if isinstance(s, tuple)], axis)
        return Inferred(shape, dtype_of(operands[0].type))

    return rule


def _stack(shapes: list[Shape], axis: int | None) -> Shape:
    return sizes.stack(shapes, 0 if axis is None else axis)


FUNCTIONS: dict[str, Rule] = {
    "numpy._core.multiarray.concatenate": _join("concatenate", sizes.concatenate, none_flattens=True),
    "numpy._core.shape_base.stack": _join("stack", _stack, none_flattens=False),
}
