"""verified_nn's networks, typed precisely: ``mlp((784, 128, 10), ...)`` is a ``Network`` from 784 to 10 features,
and ``network.logits(x)`` keeps the batch size of ``x``.

mypy alone types ``mlp`` as ``Network[Any, Any]`` (its widths are a sequence of ints), and the network's
input and output shapes are class parameters whose batch axis is ``Any``: ``logits`` of a ``(64, 784)``
batch is a ``(?, 10)`` array. Here literal widths give the network's type, and the methods that map a batch
to a batch (``logits``, ``probabilities``, ``predict``, ``forward``) give the result the argument's batch size.
"""

from collections.abc import Callable

from mypy.nodes import ListExpr, TupleExpr
from mypy.plugin import FunctionContext, MethodContext
from mypy.types import AnyType, Instance, LiteralType, TupleType, Type, TypeOfAny, get_proper_type

from ._calls import CallView
from ._sizes import Known, Unknown
from ._types import array_of, array_shape, dim_type

__all__ = ["BATCH_METHODS", "NETWORK_BUILDERS"]

_NETWORK = "verified_nn.network._network.Network"


def _features(width: Type, ctx: FunctionContext) -> TupleType:
    """``tuple[Any, width]``: a batch of vectors of ``width`` features (the library's ``Features[N]``)."""
    fallback = ctx.api.named_generic_type("builtins.tuple", [AnyType(TypeOfAny.special_form)])
    return TupleType([AnyType(TypeOfAny.special_form), width], fallback)


def _mlp(ctx: FunctionContext) -> Type:
    """``mlp(sizes, ...)`` with literal widths: ``Network[Features[last], Features[first]]``."""
    result = get_proper_type(ctx.default_return_type)
    view = CallView.after(ctx)
    sizes = view.arg("sizes", 0)
    if not isinstance(result, Instance) or not isinstance(sizes, TupleExpr | ListExpr) or len(sizes.items) < 2:
        return ctx.default_return_type
    first, last = view.dim(sizes.items[0]), view.dim(sizes.items[-1])
    if not isinstance(first, Known) or not isinstance(last, Known):
        return ctx.default_return_type
    int_type = ctx.api.named_generic_type("builtins.int", [])
    out, inputs = (_features(LiteralType(d.value, int_type), ctx) for d in (last, first))
    return result.copy_modified(args=[out, inputs])


def _keeps_batch(ctx: MethodContext) -> Type:
    """A batch in, a batch out: the result's first size is the argument's (``Any`` in the class's types)."""
    arg_types = [t for types in ctx.arg_types for t in types]
    shape = array_shape(arg_types[0]) if arg_types else None
    result = array_of(ctx.default_return_type)
    if not isinstance(shape, tuple) or not shape or isinstance(shape[0], Unknown) or result is None:
        return ctx.default_return_type
    result_shape = get_proper_type(result.args[0])
    if not isinstance(result_shape, TupleType) or not result_shape.items:
        return ctx.default_return_type
    if not isinstance(get_proper_type(result_shape.items[0]), AnyType):
        return ctx.default_return_type  # the class says more than "any batch": keep it
    batch = dim_type(shape[0], ctx.api)
    new_shape = result_shape.copy_modified(items=[batch, *result_shape.items[1:]])
    return result.copy_modified(args=[new_shape, result.args[1]])


NETWORK_BUILDERS: dict[str, Callable[[FunctionContext], Type]] = {"verified_nn.network._build.mlp": _mlp}
BATCH_METHODS: dict[str, Callable[[MethodContext], Type]] = {
    f"{_NETWORK}.{name}": _keeps_batch for name in ("logits", "probabilities", "predict")
}
