"""Axes added, removed or resized: ``squeeze``, ``expand_dims``, ``atleast_2d``, ``tile``, ``repeat``, ``pad``,
``broadcast_to``, ``sliding_window_view``, ``diag``, ``diff``, and the operations that keep the shape
along an axis (``sort``, ``argsort``, ``cumsum``, ``flip``, ``roll``, ``triu``, ...), which flatten the
array when the axis is ``None``.
"""

from collections.abc import Callable

from mypy.nodes import Expression, ListExpr, TupleExpr

from . import _layout_sizes as layout
from ._calls import CallView, Inferred, Operand, Rule, explained
from ._sizes import Known, Shape, normalize_axis, ravel
from ._types import dtype_of

__all__ = ["FUNCTIONS", "METHODS"]

Transform = Callable[[CallView, Shape], Shape | None]


def _array(view: CallView, name: str, *, method: bool) -> Operand | None:
    if method:
        return view.receiver_operand("receiver")
    expr = view.arg(name, 0)
    return None if expr is None else view.operand(expr, "argument 1")


def _rule(
    operation: str, transform: Transform, *, name: str = "a", method: bool = False, keep_dtype: bool = True
) -> Rule:
    """A rule for an array operation whose result shape ``transform`` computes from the arguments."""

    def rule(view: CallView) -> Inferred | None:
        if view.has_keyword("out"):
            return None
        array = _array(view, name, method=method)
        if array is None or not isinstance(array.shape, tuple):
            return None
        with explained(operation, [array]):
            shape = transform(view, array.shape)
        return None if shape is None else Inferred(shape, dtype_of(array.type) if keep_dtype else None)

    return rule


def _first(method: bool) -> int:
    """The position of the argument after the array: 0 for a method, 1 for a function."""
    return 0 if method else 1


def _squeeze(method: bool) -> Transform:
    def transform(view: CallView, shape: Shape) -> Shape | None:
        axis = view.arg("axis", _first(method))
        if axis is None or view.is_none(axis):
            return layout.squeeze(shape, None)
        axes = view.ints(axis)
        return None if axes is None else layout.squeeze(shape, axes)

    return transform


def _expand_dims(view: CallView, shape: Shape) -> Shape | None:
    axes = view.ints(view.arg("axis", 1))
    return None if axes is None else layout.expand_dims(shape, axes)


def _tile(view: CallView, shape: Shape) -> Shape | None:
    reps = view.ints(view.arg("reps", 1))
    return None if reps is None else layout.tile(shape, reps)


def _axis_or_none(view: CallView, expr: Expression | None, default: int | None) -> tuple[bool, int | None]:
    """``axis`` as (known?, value): absent gives ``default``, ``None`` gives None."""
    if expr is None:
        return True, default
    if view.is_none(expr):
        return True, None
    value = view.int_value(expr)
    return value is not None, value


def _repeat(method: bool) -> Transform:
    def transform(view: CallView, shape: Shape) -> Shape | None:
        repeats = view.arg("repeats", _first(method))
        count = None if repeats is None or isinstance(repeats, ListExpr | TupleExpr) else view.int_value(repeats)
        known, axis = _axis_or_none(view, view.arg("axis", _first(method) + 1), None)
        return None if count is None or not known else layout.repeat(shape, count, axis)

    return transform


def _pad(view: CallView, shape: Shape) -> Shape | None:
    """``pad_width`` as ``p``, ``(p,)``, ``(before, after)``, ``((before, after),)`` or one pair per axis."""
    expr = view.arg("pad_width", 1)
    if expr is None:
        return None
    if (
        isinstance(expr, TupleExpr | ListExpr)
        and expr.items
        and all(isinstance(item, TupleExpr | ListExpr) for item in expr.items)
    ):
        pairs = [view.ints(item) for item in expr.items]
        if any(pair is None or len(pair) not in (1, 2) for pair in pairs):
            return None
        widths = [(p[0], p[-1]) for p in pairs if p is not None]
    else:
        flat = view.ints(expr)
        if flat is None or len(flat) not in (1, 2):
            return None
        widths = [(flat[0], flat[-1])]
    return layout.pad(shape, widths)


def _broadcast_to(view: CallView, shape: Shape) -> Shape | None:
    target = view.arg("shape", 1)
    dims = None if target is None else view.dims(target)
    return None if dims is None else layout.broadcast_to(shape, dims)


def _windows(view: CallView, shape: Shape) -> Shape | None:
    window = view.ints(view.arg("window_shape", 1))
    axis = view.arg("axis", 2)
    axes = None if axis is None or view.is_none(axis) else view.ints(axis)
    if window is None or (axes is None and not (axis is None or view.is_none(axis))):
        return None
    return layout.sliding_window_view(shape, window, axes)


def _diag(view: CallView, shape: Shape) -> Shape | None:
    offset = view.arg("k", 1)
    return layout.diag(shape) if offset is None or view.int_value(offset) == 0 else None


def _diff(view: CallView, shape: Shape) -> Shape | None:
    order_expr, axis_expr = view.arg("n", 1), view.arg("axis", 2)
    order = 1 if order_expr is None else view.int_value(order_expr)
    axis = -1 if axis_expr is None else view.int_value(axis_expr)
    if order is None or axis is None or not shape:
        return None
    normal = normalize_axis(axis, len(shape))
    size = shape[normal]
    new = Known(max(size.value - order, 0)) if isinstance(size, Known) else (size if order == 0 else None)
    return None if new is None else (*shape[:normal], new, *shape[normal + 1 :])


def _along(default_axis: int | None, method: bool) -> Transform:
    """Operations that keep the shape along ``axis`` and flatten the array when it is ``None``."""

    def transform(view: CallView, shape: Shape) -> Shape | None:
        known, axis = _axis_or_none(view, view.arg("axis", _first(method)), default_axis)
        if not known:
            return None
        if axis is None:
            return ravel(shape)
        normalize_axis(axis, len(shape))
        return shape

    return transform


def _same(view: CallView, shape: Shape) -> Shape | None:
    return shape


_FROMNUMERIC = "numpy._core.fromnumeric"
_SHAPE_BASE = "numpy.lib._shape_base_impl"

METHODS: dict[str, Rule] = {
    "numpy.ndarray.squeeze": _rule("squeeze", _squeeze(True), method=True),
    "numpy.ndarray.repeat": _rule("repeat", _repeat(True), method=True),
    "numpy.ndarray.sort": _rule("sort", _along(-1, True), method=True),
    "numpy.ndarray.argsort": _rule("argsort", _along(-1, True), method=True, keep_dtype=False),
    "numpy.ndarray.cumsum": _rule("cumsum", _along(None, True), method=True),
    "numpy.ndarray.cumprod": _rule("cumprod", _along(None, True), method=True),
}
FUNCTIONS: dict[str, Rule] = {
    f"{_FROMNUMERIC}.squeeze": _rule("squeeze", _squeeze(False)),
    f"{_FROMNUMERIC}.repeat": _rule("repeat", _repeat(False)),
    f"{_FROMNUMERIC}.sort": _rule("sort", _along(-1, False)),
    f"{_FROMNUMERIC}.argsort": _rule("argsort", _along(-1, False), keep_dtype=False),
    f"{_FROMNUMERIC}.cumsum": _rule("cumsum", _along(None, False)),
    f"{_FROMNUMERIC}.cumprod": _rule("cumprod", _along(None, False)),
    f"{_SHAPE_BASE}.expand_dims": _rule("expand_dims", _expand_dims),
    f"{_SHAPE_BASE}.tile": _rule("tile", _tile, name="A"),
    "numpy._core.shape_base.atleast_2d": _rule("atleast_2d", lambda view, shape: layout.atleast_2d(shape)),
    "numpy.lib._arraypad_impl.pad": _rule("pad", _pad, name="array"),
    "numpy.lib._stride_tricks_impl.broadcast_to": _rule("broadcast_to", _broadcast_to, name="array"),
    "numpy.lib._stride_tricks_impl.sliding_window_view": _rule("sliding_window_view", _windows, name="x"),
    "numpy.lib._twodim_base_impl.diag": _rule("diag", _diag, name="v"),
    "numpy.lib._function_base_impl.diff": _rule("diff", _diff),
    "numpy.lib._function_base_impl.flip": _rule("flip", _same, name="m"),
    "numpy._core.numeric.roll": _rule("roll", _same),
    "numpy.lib._twodim_base_impl.triu": _rule("triu", _same, name="m"),
    "numpy.lib._twodim_base_impl.tril": _rule("tril", _same, name="m"),
    f"{_FROMNUMERIC}.round": _rule("round", _same),
}
