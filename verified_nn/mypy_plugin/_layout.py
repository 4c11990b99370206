"""Axes added, removed or resized: ``squeeze``, ``expand_dims``, ``atleast_2d``, ``tile``, ``repeat``, ``pad``,
``broadcast_to``, ``sliding_window_view``, ``diag``, ``diff``, and the operations that keep the shape
along an axis (``sort``, ``argsort``, ``cumsum``, ``flip``, ``roll``, ``triu``, ...), which flatten the
array when the axis is ``None``.

Axes moved (``moveaxis``, ``rollaxis``, ``rot90``, ``matrix_transpose``) and sizes that depend on values
(``append``, ``insert``, ``delete``, ``array_split`` and ``hsplit``/``vsplit``/``dsplit``, the ``np.fft``
transforms): numpy's stubs type these as returning their argument's shape, which is wrong for them; with
the plugin that shape is made of fixed sizes, so each has a rule, giving the real shape where the arguments
tell it and unknown sizes where they do not.
"""

from collections.abc import Callable

from mypy.nodes import Expression, ListExpr, TupleExpr

from . import _layout_sizes as layout
from ._calls import CallView, Inferred, Operand, Rule, explained
from ._sizes import UNKNOWN, Dim, Known, Shape, ShapeConflictError, normalize_axis, ravel
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


def _same_axes(position: int) -> Transform:
    """``flip`` (``axis`` at 1), ``roll`` (at 2): the shape, its ``axis`` (an int or a tuple) checked."""

    def transform(view: CallView, shape: Shape) -> Shape | None:
        expr = view.arg("axis", position)
        axes = None if expr is None or view.is_none(expr) else view.ints(expr)
        for axis in axes or []:
            normalize_axis(axis, len(shape))
        return shape

    return transform


def _moveaxis(view: CallView, shape: Shape) -> Shape | None:
    source, destination = view.ints(view.arg("source", 1)), view.ints(view.arg("destination", 2))
    if source is None or destination is None:
        return layout.opened(shape, None)
    return layout.moveaxis(shape, source, destination)


def _rollaxis(view: CallView, shape: Shape) -> Shape | None:
    axis, start_expr = view.arg("axis", 1), view.arg("start", 2)
    moved = None if axis is None else view.int_value(axis)
    start = 0 if start_expr is None else view.int_value(start_expr)
    return layout.opened(shape, None) if moved is None or start is None else layout.rollaxis(shape, moved, start)


def _rot90(view: CallView, shape: Shape) -> Shape | None:
    turns_expr, axes_expr = view.arg("k", 1), view.arg("axes", 2)
    turns = 1 if turns_expr is None else view.int_value(turns_expr)
    axes = [0, 1] if axes_expr is None else view.ints(axes_expr)
    return layout.opened(shape, None) if axes is None else layout.rot90(shape, turns, axes)


def _matrix_transpose(view: CallView, shape: Shape) -> Shape | None:
    if len(shape) < 2:
        raise ShapeConflictError(f"needs at least 2 axes, not {len(shape)}")
    return (*shape[:-2], shape[-1], shape[-2])


def _opened_along(position: int) -> Transform:
    """``insert``, ``delete``: one axis of unknown size (its position the ``axis`` argument), or a flat array
    of unknown size for ``axis=None``."""

    def transform(view: CallView, shape: Shape) -> Shape | None:
        known, axis = _axis_or_none(view, view.arg("axis", position), None)
        if not known:
            return layout.opened(shape, None)
        return (UNKNOWN,) if axis is None else layout.opened(shape, [axis])

    return transform


def _append(view: CallView) -> Inferred | None:
    """``np.append(arr, values, axis)``: the two joined along ``axis`` (as ``concatenate``), or a flat array
    of unknown size for ``axis=None``."""
    arr, values = view.arg("arr", 0), view.arg("values", 1)
    if view.has_keyword("out") or arr is None or values is None:
        return None
    operands = [view.operand(arr, "argument 1"), view.operand(values, "argument 2")]
    first, second = operands[0].shape, operands[1].shape
    if not isinstance(first, tuple):
        return None
    known, axis = _axis_or_none(view, view.arg("axis", 2), None)
    with explained("append", operands):
        if not known:
            shape = layout.opened(first, None)
        elif axis is None:
            shape = (UNKNOWN,)
        elif isinstance(second, tuple):
            shape = layout.concatenate([first, second], axis)
        else:
            shape = layout.opened(first, [axis])
    return Inferred(shape, dtype_of(operands[0].type))


def _hsplit_axis(shape: Shape) -> int:
    if not shape:
        raise ShapeConflictError("needs at least 1 axis, not 0")
    return 1 if len(shape) > 1 else 0


def _split_along(axis_of: Callable[[Shape], int] | None) -> Transform:
    """``array_split`` (its ``axis``, 0 by default) and ``hsplit``, ``vsplit``, ``dsplit`` (``axis_of`` the
    rank): parts whose size along the axis is unknown (sections need not divide it)."""

    def transform(view: CallView, shape: Shape) -> Shape | None:
        if axis_of is not None:
            axis = axis_of(shape)
        else:
            known, given = _axis_or_none(view, view.arg("axis", 2), 0)
            if not known or given is None:
                return layout.opened(shape, None)
            axis = given
        return layout.opened(shape, [axis])

    return transform


def _needs(rank: int, axis: int) -> Callable[[Shape], int]:
    def axis_of(shape: Shape) -> int:
        if len(shape) < rank:
            raise ShapeConflictError(f"needs at least {rank} axes, not {len(shape)}")
        return axis

    return axis_of


def _transform_size(kind: str, size: Dim, n: int | None) -> Dim:
    """The size along a transformed axis: ``n`` points in, so ``n`` out (complex), ``n // 2 + 1`` (``rfft``),
    or ``n`` real points from ``m`` complex ones, ``2 (m - 1)`` by default (``irfft``)."""
    if kind == "full":
        return size if n is None else Known(n)
    if kind == "half":
        points = n if n is not None else size.value if isinstance(size, Known) else None
        return UNKNOWN if points is None else Known(points // 2 + 1)
    if n is not None:
        return Known(n)
    return Known(2 * (size.value - 1)) if isinstance(size, Known) else UNKNOWN


def _fft(kind: str) -> Transform:
    """``fft``, ``ifft`` (kind ``full``), ``rfft``, ``ihfft`` (``half``), ``irfft``, ``hfft`` (``real``)."""

    def transform(view: CallView, shape: Shape) -> Shape | None:
        n_expr, axis_expr = view.arg("n", 1), view.arg("axis", 2)
        axis = -1 if axis_expr is None else view.int_value(axis_expr)
        n = None if n_expr is None or view.is_none(n_expr) else view.int_value(n_expr)
        if axis is None or (n is None and n_expr is not None and not view.is_none(n_expr)):
            return layout.opened(shape, None if axis is None else [axis])
        normal = normalize_axis(axis, len(shape))
        return (*shape[:normal], _transform_size(kind, shape[normal], n), *shape[normal + 1 :])

    return transform


def _fftn(kind: str, default_axes: tuple[int, ...] | None) -> Transform:
    """The transforms over several axes (``fft2``, ``fftn``, ``rfft2``, ...): without ``s``, the last axis
    transformed resizes as in :func:`_fft` (the others keep their sizes); with ``s``, those sizes are unknown."""

    def transform(view: CallView, shape: Shape) -> Shape | None:
        s_expr, axes_expr = view.arg("s", 1), view.arg("axes", 2)
        axes: list[int] | None
        if axes_expr is None or view.is_none(axes_expr):
            axes = list(range(len(shape))) if default_axes is None else list(default_axes)
        else:
            axes = view.ints(axes_expr)
        if axes is None or not (s_expr is None or view.is_none(s_expr)):
            return layout.opened(shape, axes)
        if not axes:
            return shape
        normal = normalize_axis(axes[-1], len(shape))
        for axis in axes:
            normalize_axis(axis, len(shape))
        return (*shape[:normal], _transform_size(kind, shape[normal], None), *shape[normal + 1 :])

    return transform


_FROMNUMERIC = "numpy._core.fromnumeric"
_FFT = "numpy.fft._pocketfft"
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
    "numpy.lib._function_base_impl.flip": _rule("flip", _same_axes(1), name="m"),
    "numpy._core.numeric.roll": _rule("roll", _same_axes(2)),
    "numpy.lib._twodim_base_impl.triu": _rule("triu", _same, name="m"),
    "numpy.lib._twodim_base_impl.tril": _rule("tril", _same, name="m"),
    f"{_FROMNUMERIC}.round": _rule("round", _same),
    "numpy._core.numeric.moveaxis": _rule("moveaxis", _moveaxis),
    "numpy._core.numeric.rollaxis": _rule("rollaxis", _rollaxis),
    "numpy.lib._function_base_impl.rot90": _rule("rot90", _rot90, name="m"),
    f"{_FROMNUMERIC}.matrix_transpose": _rule("matrix_transpose", _matrix_transpose, name="x"),
    "numpy.lib._function_base_impl.append": _append,
    "numpy.lib._function_base_impl.insert": _rule("insert", _opened_along(3), name="arr"),
    "numpy.lib._function_base_impl.delete": _rule("delete", _opened_along(2), name="arr"),
    f"{_SHAPE_BASE}.array_split": _rule("array_split", _split_along(None), name="ary"),
    f"{_SHAPE_BASE}.hsplit": _rule("hsplit", _split_along(_hsplit_axis), name="ary"),
    f"{_SHAPE_BASE}.vsplit": _rule("vsplit", _split_along(_needs(2, 0)), name="ary"),
    f"{_SHAPE_BASE}.dsplit": _rule("dsplit", _split_along(_needs(3, 2)), name="ary"),
    **{
        f"{_FFT}.{name}": _rule(name, _fft(kind), keep_dtype=False)
        for name, kind in (
            ("fft", "full"),
            ("ifft", "full"),
            ("rfft", "half"),
            ("ihfft", "half"),
            ("irfft", "real"),
            ("hfft", "real"),
        )
    },
    **{
        f"{_FFT}.{name}": _rule(name, _fftn(kind, axes), keep_dtype=False)
        for name, kind, axes in (
            ("fft2", "full", (-2, -1)),
            ("ifft2", "full", (-2, -1)),
            ("fftn", "full", None),
            ("ifftn", "full", None),
            ("rfft2", "half", (-2, -1)),
            ("rfftn", "half", None),
            ("irfft2", "real", (-2, -1)),
            ("irfftn", "real", None),
        )
    },
}
