"""verified_nn's layers as the plugin sees them: what each takes and gives per sample, and its window.

A layer's class gives its shapes: ``Dense[Literal[10], Literal[128]]`` takes ``(128,)`` and gives
``(10,)``. A convolution or a pooling gives sizes its class cannot say (``(h + 2p - k) // s + 1``), so
the constructors that know its kernel, stride and padding (``Conv2D.init(..., kernel=5, padding=2)``,
``MaxPool2D(2)``, ``Conv2D(weights=..., bias=...)`` of a static kernel shape) attach them to the layer's
type, as an attribute that only this plugin reads; the type itself is unchanged, and a layer whose
window is not known gives unknown sizes. ``Reshape((1, 28, 28))`` and ``Flatten(3136)`` with literal
sizes get them as type arguments, as ``Reshape.to`` and ``Flatten.to`` would.
"""

from collections.abc import Callable
from dataclasses import dataclass

from mypy.maptype import map_instance_to_supertype
from mypy.nodes import Expression, ListExpr, TupleExpr
from mypy.plugin import CheckerPluginInterface, FunctionContext, MethodContext, MethodSigContext
from mypy.types import AnyType, Instance, LiteralType, TupleType, Type, TypeOfAny, get_proper_type

from ._calls import CallView
from ._codes import SHAPE
from ._layer_sizes import Window, convolve, flatten, pool, reshape_rows
from ._sizes import Dim, Known, Shape, ShapeConflictError, Unknown, count, definitely_differ, render_shape
from ._types import array_shape, dim_type, literal_int_of_type, shape_of_shape_type

__all__ = [
    "LAYER_CONSTRUCTORS",
    "NORMALIZE",
    "LayerShape",
    "batch_shape",
    "next_shape",
    "normalize_check",
    "read_layer",
    "shaped_tuple",
]

_LAYERS = "verified_nn.layers"
_LAYER = f"{_LAYERS}._layer.Layer"
_CONV = f"{_LAYERS}._conv.Conv2D"
_POOL = f"{_LAYERS}._pool.Pool2D"
_FLATTEN = f"{_LAYERS}._flatten.Flatten"
_RESHAPE = f"{_LAYERS}._reshape.Reshape"
_SAME = f"{_LAYERS}._layer.ShapePreserving"
WINDOW = "__verified_nn_window__"  # the attribute of a layer's type that holds its window


@dataclass(frozen=True)
class LayerShape:
    """One layer: its kind, how messages name it, what it takes and gives per sample (None: any), its window."""

    kind: str  # "conv", "pool", "flatten", "reshape", "same" (keeps its input's shape) or "layer"
    name: str
    takes: Shape | None
    gives: Shape | None
    window: Window | None = None


def _per_sample(shape_type: Type) -> Shape | None:
    shape = shape_of_shape_type(shape_type)
    return shape[1:] if isinstance(shape, tuple) and shape else None


def window_of(typ: Type) -> Window | None:
    proper = get_proper_type(typ)
    attrs = proper.extra_attrs.attrs if isinstance(proper, Instance) and proper.extra_attrs else {}
    parts = get_proper_type(attrs[WINDOW]) if WINDOW in attrs else None
    if not isinstance(parts, TupleType) or len(parts.items) != 6:
        return None
    v = [literal_int_of_type(item) for item in parts.items]
    return Window((v[0], v[1]), (v[2], v[3]), (v[4], v[5]))


def _with_window(typ: Type, window: Window, api: CheckerPluginInterface) -> Type:
    proper = get_proper_type(typ)
    if not isinstance(proper, Instance):
        return typ
    int_type = api.named_generic_type("builtins.int", [])
    values = [*window.kernel, *window.stride, *window.padding]
    items: list[Type] = [int_type if v is None else LiteralType(v, int_type) for v in values]
    fallback = api.named_generic_type("builtins.tuple", [int_type])
    return proper.copy_with_extra_attr(WINDOW, TupleType(items, fallback))


def read_layer(typ: Type) -> LayerShape | None:
    """What a layer's type says of its shapes; None for anything that is not one of verified_nn's layers."""
    proper = get_proper_type(typ)
    if not isinstance(proper, Instance):
        return None
    base = next((info for info in proper.type.mro if info.fullname == _LAYER), None)
    if base is None:
        return None
    mapped = map_instance_to_supertype(proper, base)
    gives, takes = (_per_sample(arg) for arg in mapped.args)
    kinds = {_CONV: "conv", _POOL: "pool", _FLATTEN: "flatten", _RESHAPE: "reshape", _SAME: "same"}
    kind = next((kinds[info.fullname] for info in proper.type.mro if info.fullname in kinds), "layer")
    if kind == "reshape" and gives is not None:
        takes = (count(gives).as_dim(),)  # rows of the target's size
    window = window_of(proper)
    name = proper.type.name if window is None else f"{proper.type.name}({window.render()})"
    return LayerShape(kind, name, takes, gives, window)


def _check_takes(layer: LayerShape, shape: Shape) -> None:
    takes = layer.takes
    if takes is None:
        return
    if len(takes) != len(shape) or any(definitely_differ(a, b) for a, b in zip(takes, shape, strict=False)):
        raise ShapeConflictError(f"it takes {render_shape(takes)}")


def next_shape(layer: LayerShape, shape: Shape | None, *, declared: bool = True) -> Shape | None:
    """The per-sample shape after ``layer`` for an input of ``shape`` (None: unknown); ShapeConflictError if
    the layer cannot take it. Without ``declared`` the sizes a layer's class declares are not compared with
    the input's (where mypy compares them itself, as in ``Network.then``): only what the class cannot say."""
    if layer.kind == "same":
        return shape
    gives = layer.gives
    if shape is None:
        return None if layer.kind == "pool" else gives
    window = layer.window or Window((None, None), (None, None), (None, None))
    if layer.kind == "conv":
        takes = layer.takes if layer.takes and declared else (Unknown(),)
        out = gives[0] if gives else Unknown()
        return convolve(shape, window, channels_out=out, channels_in=takes[0])
    if layer.kind == "pool":
        return pool(shape, window)
    if layer.kind == "flatten":
        return flatten(shape, gives[0] if gives else Unknown())
    if layer.kind == "reshape":
        return reshape_rows(shape, gives) if gives is not None and len(gives) >= 1 else None
    if declared:
        _check_takes(layer, shape)
    return gives


def batch_shape(per_sample: Shape, api: CheckerPluginInterface, batch: Dim | None = None) -> TupleType:
    """``tuple[Any, *sizes]``: a batch of the per-sample shape (the batch axis ``batch``, else any)."""
    items = [AnyType(TypeOfAny.special_form) if batch is None else dim_type(batch, api)]
    items += [dim_type(d, api) for d in per_sample]
    return TupleType(items, api.named_generic_type("builtins.tuple", [AnyType(TypeOfAny.special_form)]))


def shaped_tuple(view: CallView, expr: Expression | None) -> Shape | None:
    """A literal tuple of sizes (``(1, 28, 28)``); None if it is not one."""
    if not isinstance(expr, TupleExpr | ListExpr):
        return None
    dims = tuple(view.dim(item) for item in expr.items)
    return dims if all(isinstance(d, Known) and d.value >= 1 for d in dims) else None


# ---------------------------------------------------------------- constructors


def _pair(view: CallView, expr: Expression | None, default: int | None) -> tuple[int | None, int | None]:
    if expr is None:
        return (default, default)
    values = view.ints(expr)
    if values is None or len(values) not in (1, 2):
        return (None, None)
    return (values[0], values[-1])


def _conv_window(view: CallView, kernel: tuple[int | None, int | None]) -> Window:
    return Window(kernel, _pair(view, view.arg("stride"), 1), _pair(view, view.arg("padding"), 0))


def _conv_init(view: CallView) -> Window:
    return _conv_window(view, _pair(view, view.arg("kernel"), None))


def _conv(view: CallView) -> Window | None:
    weights = view.arg("weights", 0)
    shape = array_shape(view.type_of(weights)) if weights is not None else None
    if not isinstance(shape, tuple) or len(shape) != 4:
        return None
    kernel = tuple(d.value if isinstance(d, Known) else None for d in shape[2:])
    return _conv_window(view, (kernel[0], kernel[1]))


def _pool(view: CallView) -> Window:
    kernel = _pair(view, view.arg("kernel", 0), None)
    stride_expr = view.arg("stride", 1)
    stride = kernel if stride_expr is None or view.is_none(stride_expr) else _pair(view, stride_expr, None)
    return Window(kernel, stride, _pair(view, view.arg("padding", 2), 0))


def _windowed(read: Callable[[CallView], Window | None]) -> Callable[[FunctionContext | MethodContext, Type], Type]:
    def hook(ctx: FunctionContext | MethodContext, result: Type) -> Type:
        window = read(CallView.after(ctx))
        return result if window is None else _with_window(result, window, ctx.api)

    return hook


def _type_argument(ctx: FunctionContext | MethodContext, result: Type, value: Type) -> Type:
    proper = get_proper_type(result)
    if not isinstance(proper, Instance) or len(proper.args) != 1:
        return result
    if not isinstance(get_proper_type(proper.args[0]), AnyType):
        return result  # mypy knows more already
    return proper.copy_modified(args=[value])


def _reshape(ctx: FunctionContext | MethodContext, result: Type) -> Type:
    view = CallView.after(ctx)
    target = shaped_tuple(view, view.arg("shape", 0))
    return result if target is None else _type_argument(ctx, result, batch_shape(target, ctx.api))


def _flatten(ctx: FunctionContext | MethodContext, result: Type) -> Type:
    view = CallView.after(ctx)
    expr = view.arg("width", 0)
    width = view.dim(expr) if expr is not None else None
    if not isinstance(width, Known) or width.value < 1:
        return result
    return _type_argument(ctx, result, dim_type(width, ctx.api))


# callee -> a function of the call and the type mypy (and the plugin's other hooks) gave its result
LAYER_CONSTRUCTORS: dict[str, Callable[[FunctionContext | MethodContext, Type], Type]] = {
    f"{_CONV}.init": _windowed(_conv_init),
    _CONV: _windowed(_conv),
    f"{_LAYERS}._pool.MaxPool2D": _windowed(_pool),
    f"{_LAYERS}._pool.AvgPool2D": _windowed(_pool),
    _RESHAPE: _reshape,
    _FLATTEN: _flatten,
}


# ---------------------------------------------------------------- Normalize

NORMALIZE = f"{_LAYERS}._normalize.Normalize"
_CONSTANTS = "__verified_nn_constants__"  # the attribute of a Normalize's type that holds its constants' shape


def _normalize(ctx: FunctionContext | MethodContext, result: Type) -> Type:
    """``Normalize(shape=(784,), ...)`` with a literal shape: the shape its constants broadcast from."""
    view = CallView.after(ctx)
    expr = view.arg("shape", 0)
    shape = shaped_tuple(view, expr) if expr is not None else None
    proper = get_proper_type(result)
    if shape is None or not isinstance(proper, Instance):
        return result
    return proper.copy_with_extra_attr(_CONSTANTS, batch_shape(shape, ctx.api))


def normalize_check(ctx: MethodSigContext) -> None:
    """``normalize.forward(x)``: the constants must broadcast to one sample of ``x`` (a signature hook)."""
    receiver = get_proper_type(ctx.type)
    attrs = receiver.extra_attrs.attrs if isinstance(receiver, Instance) and receiver.extra_attrs else {}
    declared = shape_of_shape_type(attrs[_CONSTANTS]) if _CONSTANTS in attrs else None
    constants = declared[1:] if isinstance(declared, tuple) else None
    view = CallView.before(ctx)
    x = view.arg("x", 0)
    shape = array_shape(view.type_of(x)) if x is not None else None
    if not isinstance(constants, tuple) or not isinstance(shape, tuple) or not shape:
        return
    sample = shape[1:]
    fits = len(constants) <= len(sample) and not any(
        definitely_differ(c, s) and not (isinstance(c, Known) and c.value == 1)
        for c, s in zip(reversed(constants), reversed(sample), strict=False)
    )
    if not fits:
        ctx.api.fail(
            f'"forward" of "Normalize": constants of shape {render_shape(constants)} do not broadcast to a sample '
            f"of {render_shape(sample)} (x: {render_shape(shape)})",
            ctx.context,
            code=SHAPE,
        )


LAYER_CONSTRUCTORS[NORMALIZE] = _normalize
