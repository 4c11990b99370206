"""verified_nn's networks, typed precisely: each layer's output shape computed, sizes that cannot fit reported.

mypy alone types a network by its class parameters: ``Network.of(a).then(b)`` checks that ``b`` takes what
``a`` gives when both say so in their classes, but a convolution or a pooling gives ``(?, C, ?, ?)`` (mypy
cannot compute ``(h + 2p - k) // s + 1``), so a flatten width, a forgotten pooling or a kernel larger than
its input are found only when the network is built, at run time. Here ``then``, ``of``, ``Network((...))``
and the builders ``mlp(...)`` and ``cnn(...)`` compute every layer's per-sample output shape
(``_layers``) and give the network the type ``Network[tuple[Any, *out], tuple[Any, *in]]``; a layer that
cannot take its input is an error naming the layer and the sizes. What a network does with a batch is in
``_batches``.
"""

from collections.abc import Callable, Sequence

from mypy.maptype import map_instance_to_supertype
from mypy.nodes import Expression, ListExpr, TupleExpr
from mypy.plugin import FunctionContext, MethodContext, MethodSigContext
from mypy.types import AnyType, Instance, TupleType, Type, TypeOfAny, get_proper_type

from ._calls import CallView
from ._codes import SHAPE
from ._layer_sizes import Window
from ._layers import LayerShape, batch_shape, next_shape, read_layer, shaped_tuple
from ._sizes import Known, Shape, ShapeConflictError, Unknown, count, render_shape
from ._trees import network_layers, then_layers, with_layers
from ._types import shape_of_shape_type

__all__ = ["NETWORK", "NETWORK_CHECKS", "NETWORK_RESULTS", "network_type", "per_sample"]

NETWORK = "verified_nn.network._network.Network"


def network_type(typ: Type | None) -> Instance | None:
    proper = get_proper_type(typ)
    if not isinstance(proper, Instance):
        return None
    base = next((info for info in proper.type.mro if info.fullname == NETWORK), None)
    return None if base is None else map_instance_to_supertype(proper, base)


def per_sample(shape_type: Type) -> Shape | None:
    shape = shape_of_shape_type(shape_type)
    return shape[1:] if isinstance(shape, tuple) and shape else None


def _typed(result: Type, ctx: FunctionContext | MethodContext, gives: Shape | None, takes: Shape | None) -> Type:
    """``result`` (a Network type) with the per-sample shapes that are known put in its arguments."""
    network = get_proper_type(result)
    if not isinstance(network, Instance) or network.type.fullname != NETWORK or len(network.args) != 2:
        return result
    args = list(network.args)
    for index, shape in ((0, gives), (1, takes)):
        if shape is not None:
            args[index] = batch_shape(shape, ctx.api)
    return network.copy_modified(args=args)


def _conflict(where: str, layer: LayerShape, shape: Shape | None, conflict: ShapeConflictError) -> str:
    return f"{where}{layer.name} cannot take {render_shape(shape)}: {conflict.what}"


def _layer_arg(view: CallView, name: str) -> tuple[Expression, LayerShape] | None:
    expr = view.arg(name, 0)
    if expr is None:
        return None
    with view.api.msg.filter_errors():
        layer = read_layer(view.type_of(expr))
    return None if layer is None else (expr, layer)


# ---------------------------------------------------------------- Network.then, Network.of


def _then_check(ctx: MethodSigContext) -> None:
    """``network.then(layer)``: the layer must take the network's output (a signature hook: the error stands)."""
    network = network_type(ctx.type)
    found = _layer_arg(CallView.before(ctx), "layer")
    if network is None or found is None:
        return
    shape = per_sample(network.args[0])
    try:
        next_shape(found[1], shape, declared=False)  # mypy compares the sizes the layer's class declares
    except ShapeConflictError as conflict:
        ctx.api.fail(f'"then" of "Network": {_conflict("", found[1], shape, conflict)}', ctx.context, code=SHAPE)


def _then(ctx: MethodContext) -> Type:
    network = network_type(ctx.type)
    found = _layer_arg(CallView.after(ctx), "layer")
    if network is None or found is None:
        return ctx.default_return_type
    try:
        gives = next_shape(found[1], per_sample(network.args[0]))
    except ShapeConflictError:
        return ctx.default_return_type  # reported by the signature hook
    typed = _typed(ctx.default_return_type, ctx, gives, None)
    return with_layers(typed, then_layers(ctx.type, CallView.after(ctx).type_of(found[0])), ctx.api)


def _of(ctx: FunctionContext | MethodContext) -> Type:
    found = _layer_arg(CallView.after(ctx), "layer")
    if found is None or found[1].kind == "same":
        return ctx.default_return_type
    layer = found[1]
    typed = _typed(ctx.default_return_type, ctx, next_shape(layer, None), layer.takes)
    return with_layers(typed, network_layers([CallView.after(ctx).type_of(found[0])]), ctx.api)


# ---------------------------------------------------------------- Network((...)), cnn(...), mlp(...)


def _fold(ctx: FunctionContext, layers: Sequence[LayerShape], where: str) -> tuple[Shape | None, Shape | None] | None:
    """The input and output shapes of ``layers`` in order; None after reporting a layer that cannot fit."""
    first = next((i for i, layer in enumerate(layers) if layer.kind != "same"), None)
    if first is None:
        return None, None
    shape: Shape | None = None
    for index, layer in enumerate(layers):
        shape = layer.takes if index == first else shape
        try:
            shape = next_shape(layer, shape)
        except ShapeConflictError as conflict:
            ctx.api.fail(_conflict(f"{where}layer {index}, ", layer, shape, conflict), ctx.context, code=SHAPE)
            return None
    return layers[first].takes, shape


def _network_of_layers(ctx: FunctionContext) -> Type:
    """``Network((a, b, c))`` (or a tuple of known layer types): checked in order, typed by its ends."""
    view = CallView.after(ctx)
    expr = view.arg("layers", 0)
    if isinstance(expr, TupleExpr | ListExpr):
        types = [view.type_of(item) for item in expr.items]
    else:  # a tuple held in a variable: its type lists the layers
        held = get_proper_type(view.type_of(expr)) if expr is not None else None
        types = list(held.items) if isinstance(held, TupleType) else []
    layers = [read_layer(typ) for typ in types]
    if not layers or any(layer is None for layer in layers):
        return _any_for_never(ctx.default_return_type)
    ends = _fold(ctx, [layer for layer in layers if layer is not None], '"Network": ')
    if ends is None:
        return _any_for_never(ctx.default_return_type)
    typed = _any_for_never(_typed(ctx.default_return_type, ctx, ends[1], ends[0]))
    return with_layers(typed, network_layers(types), ctx.api)


def _any_for_never(result: Type) -> Type:
    """A network whose ends are not known is ``Network[Any, Any]``, not mypy's ``Network[Never, Never]``."""
    network = get_proper_type(result)
    if not isinstance(network, Instance):
        return result
    unknown = AnyType(TypeOfAny.special_form)
    args = [arg if isinstance(get_proper_type(arg), TupleType) else unknown for arg in network.args]
    return network.copy_modified(args=args)


def _cnn(ctx: FunctionContext) -> Type:
    """``cnn(channels, kernel=k, image=(c, h, w), classes=n)``: the blocks of ``network/_cnn.py`` (a convolution
    with padding ``k // 2``, a 2x2 max pooling) computed in order; an image too small is an error."""
    view = CallView.after(ctx)
    channels = shaped_tuple(view, view.arg("channels", 0))
    image_expr, kernel_expr, classes_expr = view.arg("image"), view.arg("kernel"), view.arg("classes")
    image = shaped_tuple(view, image_expr) if image_expr is not None else (Known(1), Known(28), Known(28))
    kernel = view.int_value(kernel_expr) if kernel_expr is not None else 5
    classes = view.dim(classes_expr) if classes_expr is not None else Known(10)
    if channels is None or image is None or kernel is None or kernel < 1 or len(image) != 3:
        return ctx.default_return_type
    layers: list[LayerShape] = []
    for fan_in, fan_out in zip((image[0], *channels), channels, strict=False):
        conv = Window((kernel, kernel), (1, 1), (kernel // 2, kernel // 2))
        maps = (fan_out, Unknown(), Unknown())
        layers.append(LayerShape("conv", f"Conv2D({conv.render()})", (fan_in, Unknown(), Unknown()), maps, conv))
        pooling = Window((2, 2), (2, 2), (0, 0))
        layers.append(LayerShape("pool", "MaxPool2D(2x2, stride 2, padding 0)", None, None, pooling))
    shape: Shape | None = image
    for index, layer in enumerate(layers):
        try:
            shape = next_shape(layer, shape)
        except ShapeConflictError as conflict:
            where = f'"cnn": block {index // 2} of image {render_shape(image)}, '
            ctx.api.fail(_conflict(where, layer, shape, conflict), ctx.context, code=SHAPE)
            return ctx.default_return_type
    return _typed(ctx.default_return_type, ctx, (classes,), (count(image).as_dim(),))


def _mlp(ctx: FunctionContext) -> Type:
    """``mlp(sizes, ...)`` with literal widths: ``Network[Features[last], Features[first]]``."""
    view = CallView.after(ctx)
    sizes = view.arg("sizes", 0)
    if not isinstance(sizes, TupleExpr | ListExpr) or len(sizes.items) < 2:
        return ctx.default_return_type
    first, last = view.dim(sizes.items[0]), view.dim(sizes.items[-1])
    if not isinstance(first, Known) or not isinstance(last, Known):
        return ctx.default_return_type
    return _typed(ctx.default_return_type, ctx, (last,), (first,))


NETWORK_CHECKS: dict[str, Callable[[MethodSigContext], None]] = {f"{NETWORK}.then": _then_check}
NETWORK_RESULTS: dict[str, Callable[..., Type]] = {
    f"{NETWORK}.then": _then,
    f"{NETWORK}.of": _of,
    NETWORK: _network_of_layers,
    "verified_nn.network._build.mlp": _mlp,
    "verified_nn.network._cnn.cnn": _cnn,
}
