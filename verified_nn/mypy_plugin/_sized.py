"""Sizes written once: ``Dim(784)`` is a ``Dim[Literal[784]]``, ``Dense.init(128, 784, rng=rng)`` a
``Dense[Literal[128], Literal[784]]``.

mypy alone widens a literal argument to ``int`` when it solves a type variable (``Dim(784)`` is a
``Dim[int]``), so the size had to be written as a type (``Dim[Literal[784]]()``). Here a size argument
given as a literal (``784``, ``28 * 28``, a ``Final`` constant, or a value typed ``Literal[n]``) becomes
the matching type argument of the result, when mypy left that argument ``int``. Sizes below 1 are left
alone: the constructor refuses them at run time.
"""

from collections.abc import Callable

from mypy.plugin import FunctionContext, MethodContext
from mypy.types import Instance, LiteralType, Type, get_proper_type

from ._calls import CallView
from ._sizes import Known, Unknown
from ._types import array_shape, dim_type

__all__ = ["SIZED", "length"]

# callee -> for each type argument of the result, the size parameter (name, position) that gives it.
SIZED: dict[str, tuple[tuple[str, int], ...]] = {
    "verified_nn.core._dims.Dim": (("size", 0),),
    "verified_nn.layers._dense.Dense.init": (("out", 0), ("inputs", 1)),
    "verified_nn.layers._conv.Conv2D.init": (("out", 0), ("inputs", 1)),
}


def _is_plain_int(typ: Type) -> bool:
    proper = get_proper_type(typ)
    return isinstance(proper, Instance) and proper.type.fullname == "builtins.int" and proper.last_known_value is None


def literal_sizes(parameters: tuple[tuple[str, int], ...]) -> Callable[[FunctionContext | MethodContext], Type]:
    """A return-type hook giving the result's ``int`` type arguments the literal sizes passed for them."""

    def hook(ctx: FunctionContext | MethodContext) -> Type:
        result = get_proper_type(ctx.default_return_type)
        if not isinstance(result, Instance) or len(result.args) != len(parameters):
            return ctx.default_return_type
        view = CallView.after(ctx)
        args = list(result.args)
        for index, (name, position) in enumerate(parameters):
            expr = view.arg(name, position)
            if expr is None or not _is_plain_int(args[index]):
                continue
            size = view.dim(expr)
            if isinstance(size, Known) and size.value >= 1:
                args[index] = LiteralType(size.value, ctx.api.named_generic_type("builtins.int", []))
        return result.copy_modified(args=args)

    return hook


def length(ctx: FunctionContext) -> Type:
    """``len(x)`` for an array of static shape: its first size (``Literal[64]``, or the type variable ``B``),
    so that ``np.zeros(len(x))`` keeps it."""
    arg_types = [t for types in ctx.arg_types for t in types]
    shape = array_shape(arg_types[0]) if len(arg_types) == 1 else None
    if not isinstance(shape, tuple) or not shape or isinstance(shape[0], Unknown):
        return ctx.default_return_type
    return dim_type(shape[0], ctx.api)
