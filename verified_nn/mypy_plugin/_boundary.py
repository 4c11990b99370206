"""Calls into the library's checked modules: sizes shared between arguments, and (strict) unknown shapes.

numpy's shape parameter is covariant, so for ``f(images: ndarray[tuple[B, I]], labels: ndarray[tuple[B]])``
mypy solves ``B = int`` and accepts a batch of 32 images with 16 labels. Here every type variable that
sizes two arguments must take sizes that can be equal. With the ``strict`` option, an array whose static
shape is unknown (numpy's ``tuple[Any, ...]``, which mypy accepts anywhere) passed where literal sizes
are declared is an error whose hint names the way into the static shape world.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from mypy.erasetype import erase_typevars
from mypy.expandtype import expand_type
from mypy.maptype import map_instance_to_supertype
from mypy.nodes import Expression, MemberExpr, NameExpr, TypeInfo
from mypy.plugin import FunctionContext, FunctionSigContext, MethodContext, MethodSigContext
from mypy.typeops import get_all_type_vars
from mypy.types import (
    AnyType,
    CallableType,
    FunctionLike,
    Instance,
    LiteralType,
    Overloaded,
    ProperType,
    TupleType,
    Type,
    TypeOfAny,
    TypeVarId,
    TypeVarType,
    UnionType,
    UnpackType,
    get_proper_type,
)

from ._codes import SHAPE, SHAPE_UNKNOWN
from ._dtypes import dtype_problem, kind_of, scalar_of
from ._jaxtyping import NAMESPACE, dims_variables, inline_dims_aliases
from ._sizes import UNKNOWN, AnyShape, Dim, Known, Shape, Symbol, definitely_differ, render_dim, render_shape
from ._types import array_of, is_checked_unknown, shape_of_shape_type

__all__ = [
    "CALLEE_WAYS_IN",
    "WAYS_IN",
    "Declared",
    "check_call",
    "declared_literal",
    "describe_callee",
    "generalize",
    "way_in",
]

# The hint table, for callees in verified_nn: what is declared (an array's shape, sizes named by type
# variables read as ``?``; or a class and the shape it is generic in) and the library's way to give a
# value that static shape, checked at run time.
WAYS_IN: dict[str, str] = {
    "(784,)": "pass it through verified_nn.core.as_image(...)",
    "(?, 784)": "pass it through verified_nn.core.as_image_batch(...)",
    "Batch[(?, 784)]": "build it as verified_nn.network.Batch.of(verified_nn.core.as_image_batch(...)).labelled(...)",
    "Network": "compose it with verified_nn.network.Network.of(...).then(...) from layers sized by "
    "verified_nn.core.Dim(...)",
}
# Hints for one parameter, where the declared shape alone does not say where the value comes from.
CALLEE_WAYS_IN: dict[str, str] = {
    # The labels' size is the images' batch size, here a literal: as_labels checks it at run time.
    "verified_nn.network._batch.Unlabelled.labelled": "pass it through verified_nn.core.as_labels(...)",
}
_LAYER = "verified_nn.layers._layer.Layer"
_DEFAULT_WAY_IN = "give it a static shape first (a checked constructor, or an annotation with Literal sizes)"


@dataclass(frozen=True)
class Declared:
    """A parameter that declares literal sizes: an array of ``shape``, or an instance of the generic class
    ``container`` whose type argument ``index`` is ``shape`` (``Batch[tuple[Any, Literal[784]]]``)."""

    shape: Shape
    container: TypeInfo | None = None
    index: int = 0

    def render(self) -> str:
        """``(784,)`` for an array, ``Batch[(?, 784)]`` for an instance."""
        shape = render_shape(self.shape)
        return shape if self.container is None else f"{self.container.name}[{shape}]"

    def pattern(self) -> str:
        """The key in WAYS_IN: sizes named by type variables read ``?``."""
        shape = render_shape(tuple(UNKNOWN if isinstance(d, Symbol) else d for d in self.shape))
        return shape if self.container is None else f"{self.container.name}[{shape}]"


def way_in(callee_fullname: str, declared: Declared) -> str:
    """The hint of a strict-mode error: the library's way in for this parameter or shape, else general advice."""
    if not callee_fullname.startswith("verified_nn."):
        return _DEFAULT_WAY_IN
    by_callee = CALLEE_WAYS_IN.get(callee_fullname)
    if by_callee is not None:
        return by_callee
    by_shape = WAYS_IN.get(declared.pattern())
    if by_shape is None and declared.container is not None:
        by_shape = WAYS_IN.get(declared.container.name)
    return by_shape or _DEFAULT_WAY_IN


@dataclass(frozen=True)
class _Binding:
    """What one argument says about one type variable: the size it takes (None: the variable is the
    whole shape), and the argument's shape."""

    argument: str
    shape: AnyShape
    size: Dim | None = None


def describe_callee(fullname: str, *, method: bool) -> str:
    """``"step"`` for a function, ``"forward" of "MLP"`` for a method, as mypy names callees."""
    parts = fullname.split(".")
    return f'"{parts[-1]}" of "{parts[-2]}"' if method and len(parts) >= 2 else f'"{parts[-1]}"'


def _collect(formal: Type, actual: Type, argument: str, out: dict[str, tuple[str, list[_Binding]]]) -> None:
    """Walk a formal type and the actual argument's type together, recording what each type variable meets."""
    formal_p, actual_p = get_proper_type(formal), get_proper_type(actual)
    if isinstance(formal_p, TupleType) and isinstance(actual_p, TupleType):
        if len(formal_p.items) == len(actual_p.items):
            for f, a in zip(formal_p.items, actual_p.items, strict=True):
                _collect(f, a, argument, out)
        return
    formal_array, actual_array = _the_array(formal_p), _the_array(actual_p)
    if formal_array is None or actual_array is None:
        return
    declared = get_proper_type(formal_array.args[0])
    shape = shape_of_shape_type(actual_array.args[0])
    if isinstance(declared, TypeVarType):
        out.setdefault(str(declared.id), (declared.name, []))[1].append(_Binding(argument, shape))
    elif isinstance(declared, TupleType) and isinstance(shape, tuple) and len(shape) == len(declared.items):
        for item, dim in zip(declared.items, shape, strict=True):
            variable = get_proper_type(item)
            if isinstance(variable, TypeVarType):
                out.setdefault(str(variable.id), (variable.name, []))[1].append(_Binding(argument, shape, dim))


def _the_array(typ: ProperType) -> Instance | None:
    """The array in ``typ``: the type itself, or the only array of a union (``ndarray[S, D] | None``)."""
    if isinstance(typ, UnionType):
        arrays = [array for item in typ.items if (array := array_of(item)) is not None]
        return arrays[0] if len(arrays) == 1 else None
    return array_of(typ)


def _shapes_differ(a: AnyShape, b: AnyShape) -> bool:
    if not isinstance(a, tuple) or not isinstance(b, tuple):
        return False
    return len(a) != len(b) or any(definitely_differ(x, y) for x, y in zip(a, b, strict=True))


def _conflict(name: str, bindings: Sequence[_Binding]) -> str | None:
    """The first pair of arguments that give one type variable sizes (or shapes) that cannot be equal."""
    for i, first in enumerate(bindings):
        for second in bindings[i + 1 :]:
            if first.size is not None and second.size is not None and definitely_differ(first.size, second.size):
                if (first.argument, first.shape) == (second.argument, second.shape):  # one annotation: ``"n n"``
                    return (
                        f"size {name} differs within {first.argument}: {render_dim(first.size)} and "
                        f"{render_dim(second.size)} ({first.argument}: {render_shape(first.shape)})"
                    )
                return (
                    f"size {name} differs between arguments: {render_dim(first.size)} ({first.argument}: "
                    f"{render_shape(first.shape)}) and {render_dim(second.size)} ({second.argument}: "
                    f"{render_shape(second.shape)})"
                )
            if first.size is None and second.size is None and _shapes_differ(first.shape, second.shape):
                return (
                    f"shape {name} differs between arguments: {render_shape(first.shape)} ({first.argument}) "
                    f"and {render_shape(second.shape)} ({second.argument})"
                )
    return None


def _literal(shape: AnyShape) -> Shape | None:
    return shape if isinstance(shape, tuple) and any(isinstance(d, Known) for d in shape) else None


def declared_literal(formal: Type) -> Declared | None:
    """What a parameter declares when it has literal sizes: an array's shape, or the first shape type
    argument of a generic class (``Batch[...]``, ``Network[...]``); else None."""
    proper = get_proper_type(formal)
    array = array_of(proper)
    if array is not None:
        shape = _literal(shape_of_shape_type(array.args[0]))
        return None if shape is None else Declared(shape)
    if isinstance(proper, Instance):
        for index, argument in enumerate(proper.args):
            if isinstance(get_proper_type(argument), TupleType):
                shape = _literal(shape_of_shape_type(argument))
                if shape is not None:
                    return Declared(shape, container=proper.type, index=index)
    return None


def _unknown_shape_type(shape_type: Type, declared: Shape, *, bare_any: bool) -> bool:
    """Whether a shape type says nothing where ``declared`` has literal sizes: ``Any`` (when ``bare_any``),
    ``tuple[Any, ...]``, a tuple of unknown rank, or ``Any`` at a literal position."""
    proper = get_proper_type(shape_type)
    if isinstance(proper, AnyType):
        return bare_any
    if isinstance(proper, Instance) and proper.type.fullname == "builtins.tuple":
        return True  # tuple[Any, ...], tuple[int, ...]: rank and sizes unknown
    if isinstance(proper, TupleType):
        shape = shape_of_shape_type(proper)
        if shape is None:
            return True  # tuple[Any, *tuple[Any, ...]]: the rank is not known either
        return len(proper.items) == len(declared) and any(
            isinstance(d, Known)
            and not is_checked_unknown(item)
            and (isinstance(get_proper_type(item), AnyType) or _plain_int(item))
            for d, item in zip(declared, proper.items, strict=True)
        )
    return False


def _unknown_where_literal(declared: Declared, actual: Type) -> bool:
    """Whether mypy accepts ``actual`` only because its shape is ``Any`` where literal sizes are declared."""
    proper = get_proper_type(actual)
    if isinstance(proper, AnyType):
        return proper.type_of_any != TypeOfAny.from_error
    if declared.container is None:
        array = array_of(proper)
        return array is not None and _unknown_shape_type(array.args[0], declared.shape, bare_any=True)
    if not isinstance(proper, Instance) or not proper.type.has_base(declared.container.fullname):
        return False
    # Only shapes that came from arrays of unknown shape: a class argument written ``Any`` is a choice
    # (``Layer[Any, Any]`` for layers that take any shape, ``Network[Any, Any]`` for a network read from
    # a file), and one of the overloads mypy tries may accept it (``Network.then``).
    mapped = map_instance_to_supertype(proper, declared.container)
    if declared.index >= len(mapped.args):
        return False
    shape_type = mapped.args[declared.index]
    if declared.container.has_base(_LAYER):
        # A layer's ``Any`` sizes are declared by its class, never read from an array: a convolution or a
        # pooling leaves height and width ``Any`` (mypy cannot compute ``(h + 2p - k) // s + 1``), a flatten
        # takes any rank, and the network checks them all when it is built.
        return False
    return _unknown_shape_type(shape_type, declared.shape, bare_any=False)


def _argument_name(signature: CallableType, formal: int) -> str:
    name = signature.arg_names[formal] if formal < len(signature.arg_names) else None
    return name if name is not None else f"argument {formal + 1}"


def _free_dims(signature: CallableType, int_type: Instance) -> CallableType:
    """The signature with its dims variables bound by the call: those of the parameters become type
    variables of the call (mypy solves them from the arguments, and the return carries the sizes), those
    only in the return are unknown sizes (``int``), as nothing binds them."""
    bound = {v.id for v in signature.variables}
    in_arguments = [v for t in signature.arg_types for v in dims_variables(t) if v.id not in bound]
    unique = list({v.id: v for v in in_arguments}.values())
    unbound = {v.id: (int_type if not _whole(v) else v.upper_bound) for v in dims_variables(signature.ret_type)}
    for v in unique:
        unbound.pop(v.id, None)
    unbound = {key: value for key, value in unbound.items() if key not in bound}
    if not unique and not unbound:
        return signature
    ret_type = inline_dims_aliases(signature.ret_type)
    return signature.copy_modified(
        variables=[*signature.variables, *unique],
        arg_types=[inline_dims_aliases(t) for t in signature.arg_types],
        ret_type=expand_type(ret_type, unbound) if unbound else ret_type,
    )


def generalize(ctx: FunctionContext | MethodContext) -> Type:
    """A return-type hook for calls that return a function (a decorator: ``checked(softmax)``): the dims
    variables of the function returned become its type variables, so that each call of it binds them
    (mypy gives a plugin no hook for calls of a value that has no name)."""
    result = get_proper_type(ctx.default_return_type)
    if isinstance(result, CallableType):
        return _generic(result)
    if isinstance(result, Overloaded):
        return Overloaded([_generic(item) for item in result.items])
    return ctx.default_return_type


def _generic(signature: CallableType) -> CallableType:
    bound = {v.id for v in signature.variables}
    free = {v.id: v for t in signature.arg_types for v in dims_variables(t) if v.id not in bound}
    if not free:
        return signature
    return signature.copy_modified(
        variables=[*signature.variables, *free.values()],
        arg_types=[inline_dims_aliases(t) for t in signature.arg_types],
        ret_type=inline_dims_aliases(signature.ret_type),
    )


def _whole(variable: TypeVarType) -> bool:
    """A dims variable for a whole shape (``*name``), not one size."""
    return variable.fullname.startswith(f"{NAMESPACE}.*")


def _widened_shape(formal: Type, actual: Type) -> Type | None:
    """The formal shape with its literal sizes opened where the argument's size is unknown (``int``, or a
    shape of unknown rank): an unknown size never conflicts (numpy 2.5's stubs give ``tuple[int, int]``
    where 2.4's gave ``tuple[Any, ...]``). None when nothing changes."""
    formal_p, actual_p = get_proper_type(formal), get_proper_type(actual)
    if not isinstance(formal_p, TupleType) or any(isinstance(item, UnpackType) for item in formal_p.items):
        return None
    if isinstance(actual_p, Instance) and actual_p.type.fullname == "builtins.tuple":
        return actual_p.copy_modified(args=[AnyType(TypeOfAny.special_form)])  # the rank is unknown too
    if not isinstance(actual_p, TupleType) or len(actual_p.items) != len(formal_p.items):
        return None
    items = list(formal_p.items)
    changed = False
    for index, (item, size) in enumerate(zip(formal_p.items, actual_p.items, strict=True)):
        if isinstance(get_proper_type(item), LiteralType) and _plain_int(size):
            items[index] = AnyType(TypeOfAny.special_form)
            changed = True
    return formal_p.copy_modified(items=items) if changed else None


def open_int_sizes(typ: Type) -> Type:
    """``typ`` with every plain ``int`` size of its arrays (numpy 2.5's stubs: ``tuple[int]`` where 2.4's gave
    ``tuple[Any, ...]``) made ``Any``, in tuples and lists of arrays too: an unknown size never conflicts,
    where the result is returned or assigned as much as where it is passed."""
    proper = get_proper_type(typ)
    if isinstance(proper, TupleType):
        return proper.copy_modified(items=[open_int_sizes(item) for item in proper.items])
    if not isinstance(proper, Instance) or not proper.args:
        return typ
    if proper.type.fullname == "builtins.list":
        return proper.copy_modified(args=[open_int_sizes(proper.args[0])])
    if proper.type.fullname != "numpy.ndarray" or len(proper.args) != 2:
        return typ
    shape = get_proper_type(proper.args[0])
    if not isinstance(shape, TupleType) or not any(_plain_int(item) for item in shape.items):
        return typ
    items = [AnyType(TypeOfAny.special_form) if _plain_int(item) else item for item in shape.items]
    return proper.copy_modified(args=[shape.copy_modified(items=items), proper.args[1]])


def _plain_int(typ: Type) -> bool:
    proper = get_proper_type(typ)
    return isinstance(proper, Instance) and proper.type.fullname == "builtins.int" and proper.last_known_value is None


def _widened(formal: Type, actual: Type) -> Type | None:
    """The formal type with ``_widened_shape`` applied to its arrays (also inside tuples and unions)."""
    formal_p, actual_p = get_proper_type(formal), get_proper_type(actual)
    if isinstance(formal_p, TupleType) and isinstance(actual_p, TupleType):
        if len(formal_p.items) != len(actual_p.items):
            return None
        items = [_widened(f, a) for f, a in zip(formal_p.items, actual_p.items, strict=True)]
        if all(item is None for item in items):
            return None
        return formal_p.copy_modified(
            items=[new if new is not None else old for new, old in zip(items, formal_p.items, strict=True)]
        )
    formal_array, actual_array = _the_array(formal_p), _the_array(actual_p)
    if formal_array is None and isinstance(formal_p, Instance) and isinstance(actual_p, Instance):
        return _widened_container(formal_p, actual_p)
    if formal_array is None or actual_array is None:
        return None
    shape = _widened_shape(formal_array.args[0], actual_array.args[0])
    if shape is None:
        return None
    new_array = formal_array.copy_modified(args=[shape, formal_array.args[1]])
    if isinstance(formal_p, UnionType):
        return UnionType([new_array if array_of(i) is not None else i for i in formal_p.items], formal_p.line)
    return new_array


def _widened_container(formal: Instance, actual: Instance) -> Type | None:
    """A generic class's shape arguments (``Batch[tuple[Any, Literal[784]]]``) widened like an array's."""
    if not actual.type.has_base(formal.type.fullname) or formal.type.has_base(_LAYER):
        return None
    mapped = map_instance_to_supertype(actual, formal.type)
    args = [_widened_shape(f, a) for f, a in zip(formal.args, mapped.args, strict=False)]
    if all(arg is None for arg in args):
        return None
    return formal.copy_modified(args=[new or old for new, old in zip(args, formal.args, strict=False)])


def check_call(ctx: FunctionSigContext | MethodSigContext, fullname: str, callee: str, *, strict: bool) -> FunctionLike:
    """A signature hook for calls of functions with shapes in their parameters (and, with ``strict``, of a
    checked module's functions): bind the dims variables, open literal sizes where the argument's are
    unknown, report sizes shared between arguments that cannot be equal, and (``strict``) arguments of
    unknown shape where literal sizes are declared."""
    signature = _free_dims(ctx.default_signature, ctx.api.named_generic_type("builtins.int", []))
    strict_formals = {i: d for i, t in enumerate(signature.arg_types) if strict and (d := declared_literal(t))}
    types: dict[int, Type] = {}

    def actual(formal: int, expr: Expression) -> Type:
        if id(expr) not in types:
            # Read the argument's type without reporting anything: mypy checks the call itself, and the
            # formal type here may still hold unsolved type variables (``Dim(n)`` against ``Dim[_O]``).
            with ctx.api.msg.filter_errors():
                types[id(expr)] = ctx.api.get_expression_type(expr, erase_typevars(signature.arg_types[formal]))
        return types[id(expr)]

    bindings: dict[str, tuple[str, list[_Binding]]] = {}
    arg_types = list(signature.arg_types)
    for formal, exprs in enumerate(ctx.args[: len(signature.arg_types)]):
        for expr in exprs:
            typ = actual(formal, expr)
            if signature.variables:
                _collect(signature.arg_types[formal], typ, _argument_name(signature, formal), bindings)
            problem = _dtype_problem(ctx, signature.arg_types[formal], expr, typ, fullname)
            if problem is not None:
                ctx.api.fail(f'{callee}: argument "{_argument_name(signature, formal)}" {problem}', expr, code=SHAPE)
            declared = strict_formals.get(formal)
            if declared is not None and _unknown_where_literal(declared, typ):
                ctx.api.fail(
                    f'{callee}: argument "{_argument_name(signature, formal)}" has no static shape where '
                    f"{declared.render()} is declared; {way_in(fullname, declared)}",
                    expr,
                    code=SHAPE_UNKNOWN,
                )
            if len(exprs) == 1:
                widened = _widened(arg_types[formal], typ)
                arg_types[formal] = widened if widened is not None else arg_types[formal]
    for name, found in bindings.values():
        message = _conflict(name, found)
        if message is not None:
            ctx.api.fail(f"{callee}: {message}", ctx.context, code=SHAPE)
    if arg_types == signature.arg_types:
        return signature
    return _without_lost_variables(signature.copy_modified(arg_types=arg_types), signature)


def _dtype_problem(
    ctx: FunctionSigContext | MethodSigContext, formal: Type, expr: Expression, typed: Type, fullname: str
) -> str | None:
    """A dtype the parameter cannot take (see ``_dtypes``): the argument typed again without context when
    it is an expression that context changes (a call, an operator)."""
    if kind_of(scalar_of(formal)) is None:
        return None
    free = typed
    if not isinstance(expr, NameExpr | MemberExpr):
        with ctx.api.msg.filter_errors():
            free = ctx.api.get_expression_type(expr)
    return dtype_problem(formal, typed, free, library=fullname.startswith("verified_nn."))


def _without_lost_variables(widened: CallableType, original: CallableType) -> CallableType:
    """The widened signature with the type variables that only a widened shape held made ``Any``: nothing
    binds them any more, and mypy would solve them to ``Never``."""
    remaining = {v.id for t in widened.arg_types for v in get_all_type_vars(t)}
    before = {v.id for t in original.arg_types for v in get_all_type_vars(t)}
    lost: dict[TypeVarId, Type] = {
        v.id: AnyType(TypeOfAny.special_form) for v in widened.variables if v.id in before - remaining
    }
    if not lost:
        return widened
    return widened.copy_modified(
        variables=[v for v in widened.variables if v.id not in lost], ret_type=expand_type(widened.ret_type, lost)
    )
