"""Joining and splitting: ``np.concatenate`` and ``np.stack`` (along an existing or a new axis), ``np.vstack``,
``np.hstack``, ``np.column_stack``, and ``np.split`` into equal parts."""

from collections.abc import Callable, Sequence

from mypy.nodes import ListExpr, NameExpr, TupleExpr

from . import _layout_sizes as layout
from ._calls import CallView, Inferred, Operand, Rule, explained
from ._sizes import Shape
from ._types import dtype_of, evaluate_int

__all__ = ["FUNCTIONS"]

Join = Callable[[list[Shape], int | None], Shape]


def _arrays(view: CallView, name: str) -> list[Operand] | None:
    """The arrays of a literal list or tuple argument, each of static shape; None otherwise."""
    arrays = view.arg(name, 0)
    if not isinstance(arrays, ListExpr | TupleExpr) or not arrays.items:
        return None
    operands = [view.operand(item, f"array {i}") for i, item in enumerate(arrays.items, start=1)]
    return operands if all(isinstance(o.shape, tuple) for o in operands) else None


def _shapes(operands: Sequence[Operand]) -> list[Shape]:
    return [o.shape for o in operands if isinstance(o.shape, tuple)]


def _join(operation: str, join: Join, *, none_flattens: bool) -> Rule:
    def rule(view: CallView) -> Inferred | None:
        axis_expr = view.arg("axis", 1)
        if axis_expr is None:
            axis: int | None = 0
        elif none_flattens and isinstance(axis_expr, NameExpr) and axis_expr.fullname == "builtins.None":
            axis = None
        else:
            axis = evaluate_int(axis_expr)
            if axis is None:
                return None
        operands = _arrays(view, "arrays")
        if operands is None:
            return None
        with explained(operation, operands):
            shape = join(_shapes(operands), axis)
        return Inferred(shape, dtype_of(operands[0].type))

    return rule


def _stack(shapes: list[Shape], axis: int | None) -> Shape:
    return layout.stack(shapes, 0 if axis is None else axis)


def _sequence(operation: str, join: Callable[[list[Shape]], Shape]) -> Rule:
    """``vstack``, ``hstack``, ``column_stack``: a literal sequence of arrays, joined by numpy's rule."""

    def rule(view: CallView) -> Inferred | None:
        operands = _arrays(view, "tup")
        if operands is None:
            return None
        with explained(operation, operands):
            shape = join(_shapes(operands))
        return Inferred(shape, dtype_of(operands[0].type))

    return rule


def _split(view: CallView) -> Inferred | None:
    """``np.split(a, n, axis)``: a list of ``n`` arrays of equal shape (given indices, their sizes differ)."""
    a, sections_expr = view.arg("ary", 0), view.arg("indices_or_sections", 1)
    if a is None or sections_expr is None or isinstance(sections_expr, ListExpr | TupleExpr):
        return None
    array = view.operand(a, "ary")
    sections = view.int_value(sections_expr)
    axis_expr = view.arg("axis", 2)
    axis = 0 if axis_expr is None else view.int_value(axis_expr)
    if not isinstance(array.shape, tuple) or sections is None or axis is None:
        return None
    with explained("split", [array]):
        return Inferred(layout.split(array.shape, sections, axis), dtype_of(array.type))


FUNCTIONS: dict[str, Rule] = {
    "numpy._core.multiarray.concatenate": _join("concatenate", layout.concatenate, none_flattens=True),
    "numpy._core.shape_base.stack": _join("stack", _stack, none_flattens=False),
    "numpy._core.shape_base.vstack": _sequence("vstack", layout.vstack),
    "numpy._core.shape_base.hstack": _sequence("hstack", layout.hstack),
    "numpy.lib._shape_base_impl.column_stack": _sequence("column_stack", layout.column_stack),
    "numpy.lib._shape_base_impl.split": _split,
}
