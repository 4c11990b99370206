"""jaxtyping annotations as static shapes: ``Float[np.ndarray, "b 784"]`` is ``ndarray[tuple[b, Literal[784]], ...]``.

To mypy, jaxtyping's ``Float``, ``Int``, ``Shaped``, ... are ``typing.Annotated``: the dims string is
metadata it drops. Here, during semantic analysis, the string is parsed (``_dimstring``) and becomes the
array's static shape: an integer is a literal size, a named size is a *dims variable* (a type variable of
this plugin, one per name), ``_``, ``#n`` and symbolic sizes are unknown (``int``), and ``*name`` or
``...`` mixed with other axes make the rank unknown. The dtype class gives the dtype
(``Float32`` -> ``float32``, ``Float`` -> ``floating``, ``Shaped`` -> the array's own).

Named sizes are scoped as jaxtyping scopes them, by function: in a signature a name is a type variable
shared by the parameters and the return (``_calls_any`` binds it at each call); in the function's body a
name of its signature means the same size, any other name is unknown; in a class body or at module level
a name is unknown, unless it names a type variable in scope (a generic class's ``Out``, ``In``). A
name is jaxtyping's when the module imports it from jaxtyping (or from verified_nn's shape vocabulary):
decided by looking the import up, not by the spelling.

mypy also drops ``Annotated`` metadata when it reads a type alias (``Batch = Float[np.ndarray, "b 784"]``);
for aliases the plugin reads the dims string from the assignment it analyses.
"""

import zlib
from collections.abc import Callable, Sequence
from typing import Final

from mypy.nodes import (
    Expression,
    FuncDef,
    ImportFrom,
    IndexExpr,
    ListExpr,
    MemberExpr,
    MypyFile,
    NameExpr,
    OpExpr,
    RefExpr,
    StrExpr,
    TupleExpr,
    TypeAlias,
    TypeAliasStmt,
    TypeInfo,
    TypeVarExpr,
)
from mypy.plugin import AnalyzeTypeContext
from mypy.type_visitor import TypeTranslator
from mypy.typeops import get_all_type_vars
from mypy.types import (
    AnyType,
    CallableType,
    Instance,
    LiteralType,
    ProperType,
    RawExpressionType,
    TupleType,
    Type,
    TypeAliasType,
    TypeOfAny,
    TypeVarId,
    TypeVarType,
    UnboundType,
    UnionType,
    UnpackType,
    get_proper_type,
)
from mypy.util import correct_relative_import

from ._codes import SHAPE
from ._dimstring import Axis, DimsError, Fixed, Named, Variadic, parse_dims

__all__ = [
    "ANNOTATED",
    "ARRAY_NAMES",
    "DTYPES",
    "NAMESPACE",
    "alias_dims",
    "dims_text",
    "dims_variables",
    "dtype_class",
    "inline_dims_aliases",
    "is_dims_variable",
    "localize",
    "shaped",
]

ANNOTATED: Final = frozenset({"typing.Annotated", "typing_extensions.Annotated"})
# The array types whose bare use in an alias definition may carry a dims string mypy dropped.
ARRAY_NAMES: Final = frozenset({"numpy.ndarray", "numpy._typing._array_like.NDArray"})
NAMESPACE: Final = "verified_nn.mypy_plugin.dims"  # the TypeVarId namespace of dims variables

_FLOATING = ("numpy.floating",)
# Each dtype class, by the name it is imported from, and the numpy scalar types it admits (None: any).
DTYPES: Final[dict[str, tuple[str, ...] | None]] = {
    **{f"jaxtyping.{name}": scalars for name, scalars in {
        "Float": _FLOATING,
        "Float16": ("numpy.float16",),
        "Float32": ("numpy.float32",),
        "Float64": ("numpy.float64",),
        "BFloat16": None,
        "Inexact": ("numpy.inexact",),
        "Complex": ("numpy.complexfloating",),
        "Complex64": ("numpy.complex64",),
        "Complex128": ("numpy.complex128",),
        "Int": ("numpy.signedinteger",),
        "Int8": ("numpy.int8",),
        "Int16": ("numpy.int16",),
        "Int32": ("numpy.int32",),
        "Int64": ("numpy.int64",),
        "UInt": ("numpy.unsignedinteger",),
        "UInt8": ("numpy.uint8",),
        "UInt16": ("numpy.uint16",),
        "UInt32": ("numpy.uint32",),
        "UInt64": ("numpy.uint64",),
        "Integer": ("numpy.integer",),
        "Bool": ("numpy.bool",),
        "Real": ("numpy.floating", "numpy.integer", "numpy.bool"),
        "Num": ("numpy.number", "numpy.bool"),
        "Shaped": None,
        "Key": None,
    }.items()},
    # verified_nn's own dtype class: float32 or float64 (a jaxtyping AbstractDtype at run time).
    "verified_nn.core.Floating": _FLOATING,
    "verified_nn.core._shapes.Floating": _FLOATING,
}
_PREFIXES = tuple(sorted({name.rsplit(".", 1)[0] for name in DTYPES}))


# ---------------------------------------------------------------- dims variables


def _variable(name: str, ctx: AnalyzeTypeContext, *, whole: bool) -> TypeVarType:
    """The dims variable for ``name``: one per name (``*name``, a whole shape, is another), so that a name
    means one size wherever a signature uses it, through aliases too."""
    key = f"*{name}" if whole else name
    int_type = ctx.api.named_type("builtins.int", [])
    bound = ctx.api.named_type("builtins.tuple", [int_type]) if whole else int_type
    identity = TypeVarId(1_000_000 + zlib.crc32(key.encode()) % 1_000_000_000, namespace=NAMESPACE)
    return TypeVarType(name, f"{NAMESPACE}.{key}", identity, [], bound, AnyType(TypeOfAny.from_omitted_generics))


def is_dims_variable(typ: Type) -> bool:
    proper = get_proper_type(typ)
    return isinstance(proper, TypeVarType) and proper.id.namespace == NAMESPACE


def dims_variables(typ: Type) -> list[TypeVarType]:
    """The dims variables in a type (aliases expanded), each once."""
    found: dict[str, TypeVarType] = {}
    for variable in get_all_type_vars(typ):
        if isinstance(variable, TypeVarType) and variable.id.namespace == NAMESPACE:
            found.setdefault(variable.fullname, variable)
    return list(found.values())


class _Unbind(TypeTranslator):
    """Replace the dims variables not in ``keep`` by ``int`` (an unknown size), expanding aliases."""

    def __init__(self, keep: set[str], int_type: Instance, whole: Instance) -> None:
        super().__init__()
        self.keep, self.int_type, self.whole = keep, int_type, whole

    def visit_type_var(self, t: TypeVarType) -> Type:
        if t.id.namespace != NAMESPACE or t.fullname in self.keep:
            return t
        return self.whole if t.fullname.startswith(f"{NAMESPACE}.*") else self.int_type

    def visit_type_alias_type(self, t: TypeAliasType) -> Type:
        return get_proper_type(t).accept(self)


class _Inline(TypeTranslator):
    """Expand the aliases that hold dims variables: mypy substitutes type variables in an alias's
    arguments only, not in its target."""

    def visit_type_alias_type(self, t: TypeAliasType) -> Type:
        return get_proper_type(t).accept(self) if dims_variables(t) else t


def inline_dims_aliases(typ: Type) -> Type:
    """``typ`` with the aliases holding dims variables expanded, so that a call can bind them."""
    return typ.accept(_Inline())


# ---------------------------------------------------------------- where the annotation is


def _scope(ctx: AnalyzeTypeContext) -> tuple[bool, set[str]]:
    """``(keep_all, names)``: which dims variables this place binds. A parameter of a signature and an alias
    definition bind all; a return annotation those of the parameters (a name only in the return is bound
    by nothing, as in jaxtyping); a function's body those of its signature; a class body or a module none."""
    api = ctx.api
    if getattr(api, "defining_alias", False):
        return True, set()
    semantic = getattr(api, "api", None)
    scope = getattr(api, "tvar_scope", None)
    namespace: str = getattr(scope, "namespace", "") or ""
    stack = getattr(semantic, "function_stack", None) or []
    info = getattr(semantic, "type", None)
    if stack and stack[-1].fullname == namespace:
        signature = stack[-1].type
        return False, {v.fullname for v in dims_variables(signature)} if signature is not None else set()
    in_class = isinstance(info, TypeInfo) and info.fullname == namespace
    if not namespace or in_class or (stack and not namespace.startswith(stack[-1].fullname + ".")):
        return False, set()
    definition = getattr(semantic, "statement", None)
    unanalyzed = definition.type if isinstance(definition, FuncDef) else None
    if not isinstance(unanalyzed, CallableType) or not _within(ctx.type, unanalyzed.ret_type):
        return True, set()
    return False, {name for t in unanalyzed.arg_types for name in _names_in(t, ctx)}


def _within(target: Type, typ: Type) -> bool:
    """Whether the unanalysed type ``target`` is ``typ`` or a part of it."""
    if typ is target:
        return True
    if isinstance(typ, UnboundType):
        return any(_within(target, arg) for arg in typ.args)
    if isinstance(typ, UnionType | TupleType):
        return any(_within(target, item) for item in typ.items)
    return False


def _names_in(typ: Type, ctx: AnalyzeTypeContext) -> set[str]:
    """The dims variables (by full name) an unanalysed annotation will bind: its dims strings' names, and
    those of the aliases it uses."""
    if isinstance(typ, UnionType | TupleType):
        return {name for item in typ.items for name in _names_in(item, ctx)}
    if not isinstance(typ, UnboundType):
        return set()
    names = {name for arg in typ.args for name in _names_in(arg, ctx)}
    text = dims_text(typ.args[1]) if len(typ.args) == 2 else None
    if text is not None:
        try:
            axes = parse_dims(text)
        except DimsError:
            axes = ()
        for axis in axes:
            if isinstance(axis, Named) and not (axis.anonymous or axis.broadcastable or axis.treepath):
                names.add(f"{NAMESPACE}.{axis.name}")
            elif isinstance(axis, Variadic) and axis.name and len(axes) == 1:
                names.add(f"{NAMESPACE}.*{axis.name}")
        return names
    symbol = ctx.api.lookup_qualified(typ.name, ctx.context, suppress_errors=True)  # type: ignore[attr-defined]
    if symbol is not None and isinstance(symbol.node, TypeAlias):
        names |= {v.fullname for v in dims_variables(symbol.node.target)}
    return names


def localize(typ: Type, ctx: AnalyzeTypeContext) -> Type:
    """``typ`` with the dims variables this place cannot bind made unknown (see the module docstring)."""
    keep_all, names = _scope(ctx)
    if keep_all or not dims_variables(typ):
        return typ
    int_type = ctx.api.named_type("builtins.int", [])
    return typ.accept(_Unbind(names, int_type, ctx.api.named_type("builtins.tuple", [int_type])))


# ---------------------------------------------------------------- jaxtyping's names, by lookup


def _module_of(ctx: AnalyzeTypeContext) -> MypyFile | None:
    module = getattr(getattr(ctx.api, "api", None), "cur_mod_node", None)
    return module if isinstance(module, MypyFile) else None


def dtype_class(written: str, ctx: AnalyzeTypeContext) -> str | None:
    """The dtype class a written name (``Float``, ``jt.Float``) refers to, as a key of DTYPES; None if
    the name is not one of them. A bare name counts if the module imports it from a module of DTYPES (or
    defines it there); a dotted one if its prefix is such a module."""
    module = _module_of(ctx)
    if module is None:
        return None
    head, _, last = written.rpartition(".")
    if head:
        symbol = ctx.api.lookup_qualified(head, ctx.context, suppress_errors=True)  # type: ignore[attr-defined]
        node = symbol.node if symbol is not None else None
        key = f"{node.fullname}.{last}" if isinstance(node, MypyFile) else None
        return key if key in DTYPES else None
    if f"{module.fullname}.{written}" in DTYPES:
        return f"{module.fullname}.{written}"
    for statement in module.imports:
        if not isinstance(statement, ImportFrom):
            continue
        source, _ = correct_relative_import(
            module.fullname, statement.relative, statement.id, module.is_package_init_file()
        )
        if not source.startswith(_PREFIXES):
            continue
        for name, alias in statement.names:
            if (alias or name) == written and f"{source}.{name}" in DTYPES:
                return f"{source}.{name}"
    return None


# ---------------------------------------------------------------- building the array type


def _numpy_type(fullname: str, ctx: AnalyzeTypeContext) -> ProperType | None:
    lookup = getattr(getattr(ctx.api, "api", None), "lookup_fully_qualified_or_none", None)
    symbol = lookup(fullname) if lookup is not None else None
    node = symbol.node if symbol is not None else None
    if isinstance(node, TypeInfo):
        return Instance(node, [AnyType(TypeOfAny.special_form)] * len(node.defn.type_vars))
    if isinstance(node, TypeAlias):
        return get_proper_type(node.target)
    return None


def _dtype(dtype_name: str, ctx: AnalyzeTypeContext) -> Type | None:
    """``np.dtype[...]`` of the scalar types the dtype class admits; None for any dtype."""
    scalars = DTYPES[dtype_name]
    if scalars is None:
        return None
    types = [_numpy_type(name, ctx) for name in scalars]
    known = [t for t in types if t is not None]
    dtype = _numpy_type("numpy.dtype", ctx)
    if len(known) != len(types) or not isinstance(dtype, Instance):
        return None
    return dtype.copy_modified(args=[UnionType.make_union(known)])


def _size(axis: Axis, ctx: AnalyzeTypeContext) -> Type:
    int_type = ctx.api.named_type("builtins.int", [])
    if isinstance(axis, Fixed) and not axis.broadcastable:
        return LiteralType(axis.size, int_type)
    if isinstance(axis, Named) and not (axis.broadcastable or axis.anonymous or axis.treepath):
        symbol = ctx.api.lookup_qualified(axis.name, ctx.context, suppress_errors=True)  # type: ignore[attr-defined]
        if symbol is not None and isinstance(symbol.node, TypeVarExpr):
            bound = ctx.api.tvar_scope.get_binding(symbol)  # type: ignore[attr-defined]
            if isinstance(bound, TypeVarType):
                return bound  # a type variable in scope: a generic class's ``Out``, a function's ``B``
        return _variable(axis.name, ctx, whole=False)
    if isinstance(axis, Variadic):
        return UnpackType(ctx.api.named_type("builtins.tuple", [int_type]))
    return int_type  # ``_``, ``#n``, ``?n``, and symbolic sizes such as ``n+1``: not known statically


def shape_type(axes: Sequence[Axis], ctx: AnalyzeTypeContext) -> Type:
    """The static shape of a dims string: a tuple of sizes, or a whole-shape variable for ``*name`` alone."""
    lone = axes[0] if len(axes) == 1 else None
    if isinstance(lone, Variadic) and lone.name and not (lone.treepath or lone.broadcastable):
        return _variable(lone.name, ctx, whole=True)
    int_type = ctx.api.named_type("builtins.int", [])
    if len(axes) == 1 and isinstance(axes[0], Variadic):
        return ctx.api.named_type("builtins.tuple", [int_type])
    items = [_size(axis, ctx) for axis in axes]
    return TupleType(items, ctx.api.named_type("builtins.tuple", [int_type]))


def _written(name: str, array: Type, text: str) -> str:
    array_text = array.name if isinstance(array, UnboundType) else str(array)
    return f'{name}[{array_text}, "{text}"]'


def dims_text(typ: Type) -> str | None:
    """The dims string of ``Float[..., "b 784"]`` as mypy parsed it (a raw string, or a name such as ``b``)."""
    if isinstance(typ, RawExpressionType) and isinstance(typ.literal_value, str):
        return typ.literal_value
    if isinstance(typ, UnboundType) and typ.original_str_expr is not None:
        return typ.original_str_expr
    return None


def _merge(written: Type, declared: Type) -> Type | None:
    """A shape written in the array type (``np.ndarray[tuple[B, Literal[784]], ...]``) together with the dims
    string's: a written shape variable, literal sizes and type variables stand, the dims string fills the
    rest. None if they disagree (another rank, or two different literal sizes)."""
    a, b = get_proper_type(written), get_proper_type(declared)
    if isinstance(a, TypeVarType):
        return written
    if not isinstance(a, TupleType):
        return declared
    if not isinstance(b, TupleType) or any(isinstance(item, UnpackType) for item in [*a.items, *b.items]):
        return written
    if len(a.items) != len(b.items):
        return None
    items: list[Type] = []
    for x, y in zip(a.items, b.items, strict=True):
        px, py = get_proper_type(x), get_proper_type(y)
        if isinstance(px, LiteralType) and isinstance(py, LiteralType) and px.value != py.value:
            return None
        items.append(x if isinstance(px, LiteralType | TypeVarType) else y)
    return b.copy_modified(items=items)


def _array(array: Type, ctx: AnalyzeTypeContext, analyze: Callable[[Type], Type]) -> Type:
    """The array part: a bare ``np.ndarray`` is built here (no ``Missing type parameters`` under
    --strict), anything else is analysed as mypy would."""
    if isinstance(array, UnboundType) and not array.args:
        symbol = ctx.api.lookup_qualified(array.name, ctx.context, suppress_errors=True)  # type: ignore[attr-defined]
        node = symbol.node if symbol is not None else None
        if isinstance(node, TypeInfo) and node.fullname == "numpy.ndarray":
            any_type = AnyType(TypeOfAny.special_form)
            dtype = _numpy_type("numpy.dtype", ctx)
            dtype_any = dtype.copy_modified(args=[any_type]) if isinstance(dtype, Instance) else any_type
            return Instance(node, [ctx.api.named_type("builtins.tuple", [any_type]), dtype_any])
    return analyze(array)


def shaped(name: str, array: Type, text: str, ctx: AnalyzeTypeContext, analyze: Callable[[Type], Type]) -> Type:
    """The array type ``name[array, text]`` stands for, with the shape and dtype its dims string and dtype
    class give; an error naming the annotation if jaxtyping would refuse the string."""
    analyzed = _array(array, ctx, analyze)
    proper = get_proper_type(analyzed)
    try:
        axes = parse_dims(text)
    except DimsError as error:
        ctx.api.fail(f"{_written(name, array, text)}: {error}", ctx.context, code=SHAPE)
        return analyzed
    if not (isinstance(proper, Instance) and proper.type.fullname == "numpy.ndarray" and len(proper.args) == 2):
        return analyzed  # a jax or torch array, a scalar type: nothing of numpy's to shape
    shape: Type = proper.args[0]
    if not (len(axes) == 1 and isinstance(axes[0], Variadic) and axes[0].name is None):
        merged = _merge(shape, shape_type(axes, ctx))
        if merged is None:
            ctx.api.fail(
                f"{_written(name, array, text)}: the array's shape {shape} and the dims disagree",
                ctx.context,
                code=SHAPE,
            )
        else:
            shape = merged
    dtype_name = dtype_class(name, ctx)
    written_dtype = get_proper_type(proper.args[1])
    dtype = proper.args[1]
    if dtype_name is not None and (
        not isinstance(written_dtype, Instance) or isinstance(get_proper_type(written_dtype.args[0]), AnyType)
    ):
        dtype = _dtype(dtype_name, ctx) or dtype
    return localize(proper.copy_modified(args=[shape, dtype]), ctx)


# ---------------------------------------------------------------- aliases


def _subscripts(expr: Expression) -> list[IndexExpr]:
    """The subscripts in a type expression (``tuple[Float[...], Int[...]]``, ``Float[...] | None``)."""
    if isinstance(expr, IndexExpr):
        return [expr, *_subscripts(expr.index)]
    if isinstance(expr, TupleExpr | ListExpr):
        return [found for item in expr.items for found in _subscripts(item)]
    if isinstance(expr, OpExpr):
        return [*_subscripts(expr.left), *_subscripts(expr.right)]
    return []


def _dotted(expr: Expression) -> str | None:
    if isinstance(expr, NameExpr):
        return expr.name
    if isinstance(expr, MemberExpr):
        base = _dotted(expr.expr)
        return None if base is None else f"{base}.{expr.name}"
    return None


def alias_dims(ctx: AnalyzeTypeContext) -> tuple[str, str] | None:
    """For an array type read from an alias definition, the jaxtyping subscript around it, as
    ``(dtype class as written, dims string)``; None when there is none."""
    statement = getattr(getattr(ctx.api, "api", None), "statement", None)
    rvalue = getattr(statement, "rvalue", None)
    if isinstance(statement, TypeAliasStmt):  # ``type Images = Float[...]`` (PEP 695): the value is a lambda's body
        rvalue = statement.value.expr()
    if not isinstance(rvalue, Expression):
        return None
    for subscript in _subscripts(rvalue):
        index = subscript.index
        if not (isinstance(index, TupleExpr) and len(index.items) == 2 and isinstance(index.items[1], StrExpr)):
            continue
        array = index.items[0]
        if (array.line, array.column) != (ctx.type.line, ctx.type.column) or not isinstance(subscript.base, RefExpr):
            continue
        written = _dotted(subscript.base)
        if written is not None and dtype_class(written, ctx) is not None:
            return written, index.items[1].value
    return None
