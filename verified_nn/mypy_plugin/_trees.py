"""Parameter trees that belong together: gradients, optimizer state and flat vectors of one network.

mypy alone types two networks of one input and output (``784 -> 64 -> 10`` and ``784 -> 256 -> 10``) alike,
``Network[Features[10], Features[784]]``, and optimizer state (``AdamState``) names no network at all, so
the gradients of one network given with the parameters of another, or state made for another network,
are found when the optimizer runs. Here a network built by ``of``/``then``/``Network((...))`` from layers
whose sizes are all literal carries its layers in its type (an attribute only this plugin reads, as the
layers' windows in ``_layers``): its gradients (``loss_and_gradients`` returns ``Self``), the state
``init(network)`` makes and ``flatten(network)`` carry them too, and ``update``, ``step``,
``map_parameters`` and ``unflatten`` report trees whose layers differ. A tree whose layers are not all
known (a network read from a file, a size held in an ``int``) is compared with nothing.
"""

import re
from collections.abc import Callable, Sequence

from mypy.nodes import Expression
from mypy.plugin import CheckerPluginInterface, FunctionContext, FunctionSigContext, MethodContext, MethodSigContext
from mypy.types import Instance, LiteralType, TupleType, Type, get_proper_type

from ._calls import CallView
from ._codes import SHAPE
from ._layers import window_of
from ._types import literal_int_of_type

__all__ = ["TREE_CHECKS", "TREE_RESULTS", "layers_of", "with_layers"]

LAYERS = "__verified_nn_layers__"  # the attribute of a tree's type that names its layers
_LAYER = "verified_nn.layers._layer.Layer"
_NETWORK = "verified_nn.network._network.Network"
_OPTIMIZERS = (
    "verified_nn.optimizer._base.Optimizer",
    "verified_nn.optimizer._sgd.SGD",
    "verified_nn.optimizer._adam.Adam",
    "verified_nn.optimizer._adam.AdamW",
    "verified_nn.optimizer._momentum.Momentum",
)
_TREE = "verified_nn.network._tree"
# verified-nn's layers without parameters, by class name.
_PARAMETERLESS = frozenset(
    {"ReLU", "LeakyReLU", "Tanh", "Sigmoid", "Dropout", "Flatten", "Reshape", "Normalize", "MaxPool2D", "AvgPool2D"}
)


def _size(typ: Type) -> str | None:
    """``64`` for ``Literal[64]``, ``(1, 28, 28)`` for a tuple of literals (after the batch axis); else None."""
    value = literal_int_of_type(typ)
    if value is not None:
        return str(value)
    proper = get_proper_type(typ)
    if isinstance(proper, TupleType):
        sizes = [_size(item) for item in proper.items[1:]]
        return None if any(s is None for s in sizes) else "(" + ", ".join(s for s in sizes if s) + ")"
    return None


def layer_text(typ: Type) -> str | None:
    """How a layer's type names it when everything that sizes its parameters is known: ``Dense[64, 784]``,
    ``ReLU``, ``Conv2D[8, 1](5x5, ...)``; a network by its layers; None when anything is unknown."""
    proper = get_proper_type(typ)
    if not isinstance(proper, Instance) or not proper.type.has_base(_LAYER):
        return None
    if proper.type.has_base(_NETWORK):
        return layers_of(proper)
    sizes = [_size(arg) for arg in proper.args]
    if any(size is None for size in sizes):
        return None
    text = proper.type.name + (f"[{', '.join(s for s in sizes if s)}]" if sizes else "")
    if proper.type.fullname.startswith(("verified_nn.layers._conv.", "verified_nn.layers._pool.")):
        window = window_of(proper)
        if window is None or None in (*window.kernel, *window.stride, *window.padding):
            return None
        text += f"({window.render()})"
    return text


def layers_of(typ: Type | None) -> str | None:
    """The layers a tree's type carries (``Network(Dense[64, 784], ReLU, Dense[10, 64])``), a layer's own
    name (a layer is its own tree), or None."""
    proper = get_proper_type(typ)
    if not isinstance(proper, Instance):
        return None
    attrs = proper.extra_attrs.attrs if proper.extra_attrs else {}
    carried = get_proper_type(attrs[LAYERS]) if LAYERS in attrs else None
    if isinstance(carried, LiteralType) and isinstance(carried.value, str):
        return carried.value
    if proper.type.has_base(_NETWORK):
        return None
    return layer_text(proper)


def with_layers(typ: Type, text: str | None, api: CheckerPluginInterface) -> Type:
    """``typ`` carrying ``text`` as its layers (unchanged when ``text`` is None)."""
    proper = get_proper_type(typ)
    if text is None or not isinstance(proper, Instance):
        return typ
    return proper.copy_with_extra_attr(LAYERS, LiteralType(text, api.named_generic_type("builtins.str", [])))


def network_layers(layers: Sequence[Type]) -> str | None:
    """``Network(...)`` of layers given by their types; None unless each is known and none is a network
    (a nested network's layers may be held flat or nested: its tree is not known here)."""
    texts = []
    for typ in layers:
        proper = get_proper_type(typ)
        if isinstance(proper, Instance) and proper.type.has_base(_NETWORK):
            return None
        text = layer_text(typ)
        if text is None:
            return None
        texts.append(text)
    return f"Network({', '.join(texts)})"


def then_layers(network: Type | None, layer: Type) -> str | None:
    """The layers of ``network.then(layer)``."""
    before = layers_of(network)
    after = network_layers([layer])
    if before is None or after is None or not before.startswith("Network("):
        return None
    return f"{before[:-1]}, {after[len('Network(') :]}"


# ---------------------------------------------------------------- trees that must agree


_WHAT = {"state": "for", "vector": "the parameters of"}  # how a message names what a value carries


def _report(
    ctx: FunctionSigContext | MethodSigContext, callee: str, named: Sequence[tuple[str, Expression | None]]
) -> None:
    """Report the first tree whose layers differ from the first known one's."""
    view = CallView.before(ctx)
    known = [(name, text) for name, expr in named if expr is not None and (text := layers_of(view.type_of(expr)))]
    for name, text in known[1:]:
        first_name, first = known[0]
        if text != first:
            ctx.api.fail(
                f"{callee}: the trees differ: {first_name} is {_WHAT.get(first_name, '')} {first}, "
                f"{name} is {_WHAT.get(name, '')} {text}".replace("is  ", "is "),
                ctx.context,
                code=SHAPE,
            )
            return


def _update_order(ctx: MethodSigContext) -> None:
    view = CallView.before(ctx)
    named = [("params", view.arg("params", 2)), ("grads", view.arg("grads", 0)), ("state", view.arg("state", 1))]
    _report(ctx, '"update"', named)


def _step(ctx: MethodSigContext) -> None:
    view = CallView.before(ctx)
    _report(ctx, '"step"', [("params", view.arg("params", 0)), ("state", view.arg("state", 1))])


def _map_parameters(ctx: FunctionSigContext) -> None:
    view = CallView.before(ctx)
    trees = view.arg_list("rest", 2)
    named = [("first", view.arg("first", 1))] + [(f"tree {i}", expr) for i, expr in enumerate(trees, start=1)]
    _report(ctx, '"map_parameters"', named)


def parameter_count(text: str) -> int | None:
    """How many numbers the parameters of the layers ``text`` names hold; None unless every layer is one of
    verified-nn's whose parameters are known (``Dense[o, i]``: o*i + o, ``Conv2D[o, i](khxkw, ...)``:
    o*i*kh*kw + o, the activations, poolings, reshapes and ``Normalize``: none)."""
    inner = text[len("Network(") : -1] if text.startswith("Network(") else text
    total = 0
    for part in re.split(r", (?=[A-Z])", inner):
        dense = re.fullmatch(r"Dense\[(\d+), (\d+)\]", part)
        conv = re.fullmatch(r"Conv2D\[(\d+), (\d+)\]\((\d+)x(\d+), .*\)", part)
        if dense is not None:
            out, inputs = map(int, dense.groups())
            total += out * inputs + out
        elif conv is not None:
            out, inputs, height, width = map(int, conv.groups())
            total += out * inputs * height * width + out
        elif re.split(r"[\[(]", part, maxsplit=1)[0] not in _PARAMETERLESS:
            return None
    return total


def _unflatten(ctx: FunctionSigContext) -> None:
    """``unflatten(vector, like=tree)``: the run time compares only how many numbers each holds."""
    view = CallView.before(ctx)
    like, vector = view.arg("like"), view.arg("vector", 0)
    tree = layers_of(view.type_of(like)) if like is not None else None
    source = layers_of(view.type_of(vector)) if vector is not None else None
    if tree is None or source is None:
        return
    wanted, given = parameter_count(tree), parameter_count(source)
    if wanted is not None and given is not None and wanted != given:
        ctx.api.fail(
            f'"unflatten": like is {tree} of {wanted:,} parameters, vector is the {given:,} parameters of {source}',
            ctx.context,
            code=SHAPE,
        )


def _carry(argument: str, position: int) -> Callable[[FunctionContext | MethodContext], Type]:
    """A return-type hook: the result carries the layers of the argument ``argument``."""

    def hook(ctx: FunctionContext | MethodContext) -> Type:
        view = CallView.after(ctx)
        expr = view.arg(argument, position)
        text = layers_of(view.type_of(expr)) if expr is not None else None
        return with_layers(ctx.default_return_type, text, ctx.api)

    return hook


TREE_CHECKS: dict[str, Callable[..., None]] = {
    **{f"{optimizer}.update": _update_order for optimizer in _OPTIMIZERS},
    **{f"{optimizer}.step": _step for optimizer in _OPTIMIZERS},
    f"{_TREE}.map_parameters": _map_parameters,
    f"{_TREE}.unflatten": _unflatten,
}
TREE_RESULTS: dict[str, Callable[..., Type]] = {
    **{f"{optimizer}.init": _carry("params", 0) for optimizer in _OPTIMIZERS},
    f"{_TREE}.flatten": _carry("tree", 0),
}
