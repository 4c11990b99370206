"""The library's ways in: ``as_image``, ``as_image_batch``, ``as_labels`` and ``as_model_input`` checked
against what they accept, their results keeping the argument's batch size; a network's input dtype; and
``Dim`` of a constant expression.

mypy alone sees ``values: Any`` and a result of batch size ``int``: a ``(16, 28, 28)`` array given to
``as_image_batch``, one-hot labels given to ``as_labels`` or float16 images are found when they run, and
after the way in, 32 labels for 64 images pass. Here an argument of known shape that the function refuses
at run time is an error naming both shapes, and the result's batch size is the argument's.
``Dim(8 * 12 * 12)`` is typed ``int`` by mypy, which refuses it where the context wants the
``Literal[1152]`` it equals: a constant expression is folded to its value.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from mypy.nodes import ListExpr, TupleExpr, TypeInfo
from mypy.plugin import FunctionContext, FunctionSigContext, MethodSigContext
from mypy.types import AnyType, FunctionLike, Instance, TupleType, Type, TypeOfAny, get_proper_type

from ._calls import CallView
from ._codes import SHAPE
from ._dtypes import kind_of, render_scalar, scalar_of
from ._sizes import UNKNOWN, Dim, Known, Shape, Unknown, definitely_differ, render_shape
from ._types import NDARRAY, array_of, array_shape, checked_unknown, dim_type, evaluate_int, shape_type

__all__ = ["DIM", "WAY_IN_CHECKS", "WAY_IN_RESULTS", "fold_dim", "network_input_check"]

DIM = "verified_nn.core._dims.Dim"
_MODEL_INPUT = "verified_nn.predict._input.as_model_input"


@dataclass(frozen=True)
class _WayIn:
    """A way in: the shape it accepts (``?`` for the batch axis) and the dtype kinds it takes."""

    accepts: Shape
    kinds: tuple[str, ...]


_WAYS_IN = {
    "verified_nn.core._shapes.as_image": _WayIn((Known(784),), ("floating", "integer", "bool")),
    "verified_nn.core._shapes.as_image_batch": _WayIn((UNKNOWN, Known(784)), ("floating", "integer", "bool")),
    "verified_nn.core._shapes.as_labels": _WayIn((UNKNOWN,), ("integer",)),
}


def _is_plain_int(typ: Type) -> bool:
    proper = get_proper_type(typ)
    return isinstance(proper, Instance) and proper.type.fullname == "builtins.int" and proper.last_known_value is None


def _fits(shape: Shape, accepts: Shape) -> bool:
    return len(shape) == len(accepts) and not any(definitely_differ(a, b) for a, b in zip(shape, accepts, strict=True))


def _dtype_refused(scalar: Instance | None, kinds: tuple[str, ...]) -> bool:
    kind = kind_of(scalar)
    if kind is None or scalar is None:
        return False
    return kind not in kinds or (kind == "floating" and render_scalar(scalar) == "float16")


def _way_in_check(way: _WayIn, name: str, ctx: FunctionSigContext) -> None:
    view = CallView.before(ctx)
    values = view.arg("values", 0)
    if values is None:
        return
    typ = view.type_of(values)
    shape = array_shape(typ)
    if isinstance(shape, tuple) and not _fits(shape, way.accepts):
        message = f'"{name}": expects {render_shape(way.accepts)}, got {render_shape(shape)}'
        ctx.api.fail(message, ctx.context, code=SHAPE)
    scalar = scalar_of(typ)
    if view.arg("dtype") is None and _dtype_refused(scalar, way.kinds) and scalar is not None:
        wanted = " or ".join("float32/float64" if k == "floating" else k for k in way.kinds)
        ctx.api.fail(f'"{name}": expects {wanted} values, got {render_scalar(scalar)}', ctx.context, code=SHAPE)


def _way_in_result(ctx: FunctionContext) -> Type:
    """The declared result with the batch size (the first axis, where the declared one is ``int``) of the argument."""
    view = CallView.after(ctx)
    values = view.arg("values", 0)
    shape = array_shape(view.type_of(values)) if values is not None else None
    if isinstance(values, ListExpr | TupleExpr) and not any(isinstance(v, ListExpr | TupleExpr) for v in values.items):
        shape = (Known(len(values.items)),)  # ``as_labels([1, 2, 3])``: a flat list of values
    result = array_of(ctx.default_return_type)
    declared = get_proper_type(result.args[0]) if result is not None else None
    if result is None or not isinstance(declared, TupleType):
        return ctx.default_return_type
    if not declared.items or not _is_plain_int(declared.items[0]):
        return ctx.default_return_type  # a literal first size: nothing to carry
    known = isinstance(shape, tuple) and len(shape) == len(declared.items) and not isinstance(shape[0], Unknown)
    batch = dim_type(shape[0], ctx.api) if known and isinstance(shape, tuple) else checked_unknown()
    items = [batch, *declared.items[1:]]
    return result.copy_modified(args=[declared.copy_modified(items=items), result.args[1]])


# ---------------------------------------------------------------- as_model_input


def _model_input_forms(view: CallView) -> list[Shape] | None:
    """The shapes one example may come in (``example_shapes`` of ``predict/_input.py``), for the default
    ``shape`` or a literal one, without ``also``; None when they are not known."""
    if view.arg("also") is not None:
        return None
    shape_expr = view.arg("shape")
    shape = [784] if shape_expr is None else view.ints(shape_expr)
    if not shape or any(size < 1 for size in shape):
        return None
    total = math.prod(shape)
    forms = [tuple(shape), (total,)]
    side = math.isqrt(total)
    if side > 1 and side * side == total:
        forms.append((side, side))
    return [tuple(Known(size) for size in form) for form in dict.fromkeys(forms)]


def _model_input_batch(view: CallView, forms: list[Shape]) -> tuple[Dim, bool]:
    """The batch size of ``as_model_input(values)`` and whether ``values`` fits (as one example or a batch)."""
    values = view.arg("values", 0)
    shape = array_shape(view.type_of(values)) if values is not None else None
    if not isinstance(shape, tuple):
        return UNKNOWN, True
    one = any(_fits(shape, form) for form in forms)
    many = bool(shape) and any(_fits(shape[1:], form) for form in forms)
    if one and many:
        return UNKNOWN, True
    if one:
        return Known(1), True
    return (shape[0], True) if many else (UNKNOWN, False)


def _model_input_check(ctx: FunctionSigContext) -> None:
    view = CallView.before(ctx)
    forms = _model_input_forms(view)
    if forms is None:
        return
    _, fits = _model_input_batch(view, forms)
    if not fits:
        values = view.arg("values", 0)
        got = render_shape(array_shape(view.type_of(values)) if values is not None else None)
        ones = " or ".join(render_shape(form) for form in forms)
        message = f'"as_model_input": expects one example {ones}, or a batch of them, got {got}'
        ctx.api.fail(message, ctx.context, code=SHAPE)


def _model_input_result(ctx: FunctionContext) -> Type:
    """``(batch, prod(shape))`` in the requested dtype (float32 by default)."""
    view = CallView.after(ctx)
    forms = _model_input_forms(view)
    if forms is None:
        return ctx.default_return_type
    batch, fits = _model_input_batch(view, forms)
    if not fits:
        return ctx.default_return_type
    total = forms[1][0] if len(forms[0]) > 1 else forms[0][0]
    shape = shape_type((batch, total), ctx.api)
    if isinstance(shape, TupleType) and isinstance(batch, Unknown):
        shape = shape.copy_modified(items=[checked_unknown(), *shape.items[1:]])
    bits = _bits_type(ctx, "_32Bit") if view.arg("dtype") is None else None
    scalar = ctx.api.named_generic_type("numpy.floating", [bits or AnyType(TypeOfAny.special_form)])
    dtype = ctx.api.named_generic_type("numpy.dtype", [scalar])
    return ctx.api.named_generic_type(NDARRAY, [shape, dtype]) if shape is not None else ctx.default_return_type


def _bits_type(ctx: FunctionContext, name: str) -> Type | None:
    """numpy's precision class ``name`` (``_32Bit``: ``float32`` is ``floating[_32Bit]``), if its stubs have it."""
    modules = getattr(ctx.api, "modules", None)
    module = modules.get("numpy._typing._nbit_base") if isinstance(modules, dict) else None
    node = module.names[name].node if module is not None and name in module.names else None
    return Instance(node, []) if isinstance(node, TypeInfo) else None


# ---------------------------------------------------------------- a network's input, Dim


def network_input_check(ctx: MethodSigContext, name: str) -> None:
    """``network.logits(x)`` (``probabilities``, ``predict``): the network computes in float32 or float64."""
    view = CallView.before(ctx)
    x = view.arg("x", 0)
    scalar = scalar_of(view.type_of(x)) if x is not None else None
    if scalar is not None and _dtype_refused(scalar, ("floating",)):
        ctx.api.fail(
            f'"{name}" of "Network": argument "x" is {render_scalar(scalar)} where float32 or float64 is declared',
            ctx.context,
            code=SHAPE,
        )


def fold_dim(hook: Callable[[FunctionSigContext], FunctionLike] | None, ctx: FunctionSigContext) -> FunctionLike:
    """``Dim(8 * 12 * 12)``: the signature ``(size: int) -> Dim[Literal[1152]]`` for a constant size >= 1."""
    signature = hook(ctx) if hook is not None else ctx.default_signature
    size = CallView.before(ctx).arg("size", 0)
    value = evaluate_int(size) if size is not None else None
    if value is None or value < 1 or len(signature.items) != 1:
        return signature
    item = signature.items[0]
    ret = get_proper_type(item.ret_type)
    if not isinstance(ret, Instance) or len(ret.args) != 1 or "size" not in item.arg_names:
        return signature
    int_type = ctx.api.named_generic_type("builtins.int", [])
    arg_types = [int_type if name == "size" else t for name, t in zip(item.arg_names, item.arg_types, strict=True)]
    return item.copy_modified(
        arg_types=arg_types, ret_type=ret.copy_modified(args=[dim_type(Known(value), ctx.api)]), variables=[]
    )


WAY_IN_CHECKS: dict[str, Callable[[FunctionSigContext], None]] = {
    **{fullname: partial(_way_in_check, way, fullname.rsplit(".", 1)[1]) for fullname, way in _WAYS_IN.items()},
    _MODEL_INPUT: _model_input_check,
}
WAY_IN_RESULTS: dict[str, Callable[[FunctionContext], Type]] = {
    **dict.fromkeys(_WAYS_IN, _way_in_result),
    _MODEL_INPUT: _model_input_result,
}
