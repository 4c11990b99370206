"""Between mypy's types and the size algebra: read shapes and sizes, build array types, name operands."""

from mypy.nodes import (
    CallExpr,
    Expression,
    IndexExpr,
    IntExpr,
    MemberExpr,
    NameExpr,
    OpExpr,
    UnaryExpr,
    Var,
)
from mypy.plugin import CheckerPluginInterface
from mypy.types import (
    AnyType,
    CallableType,
    Instance,
    LiteralType,
    NoneType,
    Overloaded,
    ProperType,
    TupleType,
    Type,
    TypeOfAny,
    TypeVarType,
    UninhabitedType,
    UnionType,
    UnpackType,
    get_proper_type,
)

from ._sizes import UNKNOWN, AnyShape, Dim, Known, Symbol, Unknown, WholeShape

NDARRAY = "numpy.ndarray"
_SCALARS = frozenset({"builtins.bool", "builtins.int", "builtins.float", "builtins.complex"})
_ARITHMETIC = frozenset({"+", "-", "*", "//", "%"})
_LONGEST_NAME = 40  # longer operand expressions are named by their role instead
# An unknown size that a way in (``as_labels``, ``as_image_batch``) checks at run time: ``Any``, told apart
# from numpy's unknown sizes by how it was made, so that the ``strict`` option accepts it.
_CHECKED_ANY = TypeOfAny.implementation_artifact


def checked_unknown() -> AnyType:
    """The size of an axis that a way in checks at run time (a batch of any size)."""
    return AnyType(_CHECKED_ANY)


def is_checked_unknown(typ: Type) -> bool:
    proper = get_proper_type(typ)
    return isinstance(proper, AnyType) and proper.type_of_any == _CHECKED_ANY


def _symbol_key(variable: TypeVarType) -> str:
    identity = variable.id
    return f"{identity.namespace}:{identity.raw_id}:{identity.meta_level}"


def literal_int_of_type(typ: Type | None) -> int | None:
    """The value of ``Literal[n]`` (or of an ``int`` that mypy still knows to be ``n``), else None."""
    proper = get_proper_type(typ)
    if isinstance(proper, Instance) and proper.last_known_value is not None:
        proper = proper.last_known_value
    if isinstance(proper, LiteralType) and type(proper.value) is int:
        return proper.value
    return None


def literal_bool_of_type(typ: Type | None) -> bool | None:
    proper = get_proper_type(typ)
    if isinstance(proper, Instance) and proper.last_known_value is not None:
        proper = proper.last_known_value
    if isinstance(proper, LiteralType) and isinstance(proper.value, bool):
        return proper.value
    return None


def evaluate_int(expr: Expression) -> int | None:
    """The value of an integer expression built from literals, ``Final`` names and + - * // %, else None.

    This is where size arithmetic such as ``reshape(28 * 28)`` is done: mypy types ``28 * 28`` as
    plain ``int``.
    """
    if isinstance(expr, IntExpr):
        return expr.value
    if isinstance(expr, UnaryExpr) and expr.op in ("-", "+"):
        value = evaluate_int(expr.expr)
        return None if value is None else (-value if expr.op == "-" else value)
    if isinstance(expr, OpExpr) and expr.op in _ARITHMETIC:
        left, right = evaluate_int(expr.left), evaluate_int(expr.right)
        if left is None or right is None or (expr.op in ("//", "%") and right == 0):
            return None
        return {"+": left + right, "-": left - right, "*": left * right, "//": left // right, "%": left % right}[
            expr.op
        ]
    if isinstance(expr, NameExpr | MemberExpr) and isinstance(expr.node, Var) and expr.node.is_final:
        final = expr.node.final_value
        return final if type(final) is int else None
    return None


def evaluate_bool(expr: Expression) -> bool | None:
    if isinstance(expr, NameExpr) and expr.fullname in ("builtins.True", "builtins.False"):
        return expr.fullname == "builtins.True"
    return None


def dim_of(typ: Type, *, keep_unknown: bool = True) -> Dim:
    """One size: ``Literal[784]`` is known, a type variable is a symbol, anything else is unknown.

    An unknown size read from an array's shape type keeps that type (``int`` stays ``int``); one read
    from an argument (``np.zeros(n)`` with ``n: int``) is rebuilt as ``Any``, as numpy's stubs would
    leave it, so that the plugin never rejects what mypy alone accepts.
    """
    value = literal_int_of_type(typ)
    if value is not None:
        return Known(value)
    proper = get_proper_type(typ)
    if isinstance(proper, TypeVarType):
        return Symbol(_symbol_key(proper), proper.name, origin=proper)
    return Unknown(origin=typ if keep_unknown else None)


def shape_of_shape_type(typ: Type) -> AnyShape:
    """The shape denoted by the first argument of ``ndarray``: ``tuple[int, Literal[784]]`` -> (?, 784)."""
    proper = get_proper_type(typ)
    if isinstance(proper, TupleType):
        if any(isinstance(item, UnpackType) for item in proper.items):
            return None  # ``tuple[B, *Rest]``: the rank is not known
        return tuple(dim_of(item) for item in proper.items)
    if isinstance(proper, TypeVarType):
        return WholeShape(_symbol_key(proper), proper.name, origin=proper)
    return None


def whole_shape_of(typ: Type | None) -> WholeShape | None:
    """A value typed by a type variable bound to a tuple (``x.shape`` for ``x: ndarray[S, D]``, or a
    parameter ``shape: S``): the whole shape ``S``, to pass on to the array built from it."""
    proper = get_proper_type(typ)
    if isinstance(proper, TypeVarType) and _is_tuple(proper.upper_bound):
        return WholeShape(_symbol_key(proper), proper.name, origin=proper)
    return None


def _is_tuple(typ: Type) -> bool:
    proper = get_proper_type(typ)
    return isinstance(proper, TupleType) or (isinstance(proper, Instance) and proper.type.fullname == "builtins.tuple")


def array_of(typ: Type | None) -> Instance | None:
    proper = get_proper_type(typ)
    if isinstance(proper, Instance) and proper.type.fullname == NDARRAY and len(proper.args) == 2:
        return proper
    return None


def array_shape(typ: Type | None) -> AnyShape:
    """The static shape of an array type; None for anything that is not a numpy array of known rank."""
    array = array_of(typ)
    return None if array is None else shape_of_shape_type(array.args[0])


def is_scalar(typ: Type | None) -> bool:
    """Python and numpy scalars, which broadcast as rank 0."""
    proper = get_proper_type(typ)
    if isinstance(proper, LiteralType):
        return True
    return isinstance(proper, Instance) and (proper.type.fullname in _SCALARS or proper.type.has_base("numpy.generic"))


def has_shapes(typ: Type) -> bool:
    """Whether a callable's parameters declare an array of static shape (fixed rank, or a shape variable),
    directly or inside a tuple or union: its calls get the call-boundary checks."""
    proper = get_proper_type(typ)
    if isinstance(proper, Overloaded):
        return any(has_shapes(item) for item in proper.items)
    if isinstance(proper, CallableType):
        return any(_declares_shape(t) for t in proper.arg_types)
    return False


def _declares_shape(typ: Type) -> bool:
    proper = get_proper_type(typ)
    if isinstance(proper, TupleType):
        return any(_declares_shape(item) for item in proper.items)
    if isinstance(proper, UnionType):
        return any(_declares_shape(item) for item in proper.items)
    array = array_of(proper)
    if array is None:
        return False
    shape = get_proper_type(array.args[0])
    return isinstance(shape, TupleType | TypeVarType)


def operand_shape(typ: Type | None) -> AnyShape:
    """The shape an operand broadcasts with: its array shape, () for a scalar, None when unknown."""
    return () if is_scalar(typ) else array_shape(typ)


def is_none(typ: Type | None) -> bool:
    return isinstance(get_proper_type(typ), NoneType)


def has_unknown_dtype(typ: Type | None) -> bool:
    """Whether ``typ`` is an array whose dtype is not fully known: ``Any`` somewhere in it
    (``np.dtype[Any]``, ``np.dtype[np.floating[Any]]``), or a type variable."""
    dtype = dtype_of(typ)
    return dtype is not None and _open(dtype)


def is_loose_type_variable(typ: Type | None) -> bool:
    """A type variable whose bound mentions ``Any`` (``S`` bound to ``tuple[Any, ...]``): numpy's stubs
    then match it against several overloads, as they do an array of unknown dtype."""
    proper = get_proper_type(typ)
    return isinstance(proper, TypeVarType) and _open(proper.upper_bound)


def _open(typ: Type) -> bool:
    proper = get_proper_type(typ)
    if isinstance(proper, AnyType | TypeVarType):
        return True
    if isinstance(proper, TupleType):
        return any(_open(item) for item in proper.items)
    return isinstance(proper, Instance) and any(_open(arg) for arg in proper.args)


def dtype_of(typ: Type | None) -> Type | None:
    """The ``np.dtype[...]`` argument of an array type."""
    array = array_of(typ)
    return None if array is None else array.args[1]


def is_inexact_dtype(dtype: Type | None) -> bool:
    """Whether ``np.dtype[X]`` has X a floating or complex scalar type (reductions keep those dtypes)."""
    proper = get_proper_type(dtype)
    if not (isinstance(proper, Instance) and proper.args):
        return False
    scalar = get_proper_type(proper.args[0])
    return isinstance(scalar, Instance) and scalar.type.has_base("numpy.inexact")


def any_dtype(api: CheckerPluginInterface) -> Type:
    return api.named_generic_type("numpy.dtype", [AnyType(TypeOfAny.special_form)])


def bool_dtype(api: CheckerPluginInterface) -> Type:
    """``np.dtype[np.bool]``: a mask's dtype, whatever its operands' (numpy's stubs lose it when one is unknown)."""
    return api.named_generic_type(
        "numpy.dtype", [api.named_generic_type("numpy.bool", [api.named_generic_type("builtins.bool", [])])]
    )


def index_dtype(api: CheckerPluginInterface) -> Type:
    """``np.dtype[np.signedinteger[Any]]`` (numpy's ``intp``): the dtype of indices such as ``argmax``'s."""
    return api.named_generic_type(
        "numpy.dtype", [api.named_generic_type("numpy.signedinteger", [AnyType(TypeOfAny.special_form)])]
    )


def dim_type(dim: Dim, api: CheckerPluginInterface, stub: Type | None = None) -> Type:
    """The type of one size: ``Literal[n]``, the type variable itself, or ``Any`` for an unknown size.

    An unknown size is ``Any``, never ``int`` (as numpy 2.5's stubs write it): mypy accepts ``Any`` where a
    size is declared, so an unknown size never conflicts, in the plugin's rules or in mypy's own checks
    (a result returned where a function declares ``"batch 10"``)."""
    if isinstance(dim, Known):
        return LiteralType(dim.value, api.named_generic_type("builtins.int", []))
    if isinstance(dim, Symbol) and isinstance(dim.origin, TypeVarType):
        return dim.origin
    return AnyType(TypeOfAny.special_form)


def shape_type(shape: AnyShape, api: CheckerPluginInterface, stub_shape: Type | None = None) -> Type | None:
    """The shape as a type; ``stub_shape`` (the stubs' own shape of the result) fills unknown sizes."""
    if isinstance(shape, WholeShape):
        return shape.origin if isinstance(shape.origin, TypeVarType) else None
    if shape is None:
        return None
    stub = get_proper_type(stub_shape)
    stub_items = stub.items if isinstance(stub, TupleType) and len(stub.items) == len(shape) else [None] * len(shape)
    fallback = api.named_generic_type("builtins.tuple", [api.named_generic_type("builtins.int", [])])
    return TupleType([dim_type(dim, api, item) for dim, item in zip(shape, stub_items, strict=True)], fallback)


def with_shape(
    default: Type, shape: AnyShape, api: CheckerPluginInterface, dtype: Type | None, *, replace_dtype: bool = False
) -> Type:
    """The array type mypy inferred (``default``) with its shape replaced by ``shape``.

    Where numpy's stubs return ``Any`` the array type is built with ``dtype`` (when one is given), and
    with ``replace_dtype`` the stubs' dtype is replaced by ``dtype`` too. A scalar result (rank 0), an
    unknown shape, or a result that is not an array keeps ``default``.
    """
    if shape is None or shape == ():
        return default
    proper: ProperType = get_proper_type(default)
    if isinstance(proper, TupleType):
        # ``np.divmod``, ``np.modf``: one array per output, each of the shape
        return proper.copy_modified(
            items=[with_shape(item, shape, api, dtype, replace_dtype=replace_dtype) for item in proper.items]
        )
    if isinstance(proper, Instance) and proper.type.fullname == "builtins.list" and array_of(proper.args[0]):
        # ``np.split``: a list of arrays, each of the shape
        return proper.copy_modified(args=[with_shape(proper.args[0], shape, api, dtype, replace_dtype=replace_dtype)])
    if isinstance(proper, UnionType):
        # ``np.bool | NDArray[np.bool]`` and the like: a result of rank 1 or more is the array.
        arrays = [item for item in proper.items if array_of(item) is not None]
        proper = get_proper_type(arrays[0]) if len(arrays) == 1 else proper
    if isinstance(proper, Instance) and proper.type.fullname == NDARRAY and len(proper.args) == 2:
        new_shape = shape_type(shape, api, proper.args[0])
        new_dtype = dtype if replace_dtype and dtype is not None else proper.args[1]
        return default if new_shape is None else proper.copy_modified(args=[new_shape, new_dtype])
    new_shape = shape_type(shape, api)
    # ``Never`` is what numpy's stubs give for an item that refuses the dtypes (``bool - bool``); when the
    # dtype is unknown that item is one of several that match, and it must agree with the others too.
    stands_for_an_array = isinstance(proper, AnyType) or (replace_dtype and isinstance(proper, UninhabitedType))
    if stands_for_an_array and dtype is not None and new_shape is not None:
        return api.named_generic_type(NDARRAY, [new_shape, dtype])
    return default


def unknown_shape(api: CheckerPluginInterface) -> Type:
    """An array of numpy's unknown shape and dtype, ``ndarray[tuple[Any, ...], dtype[Any]]``: the result of
    an operation already reported, which mypy then accepts anywhere (the same for every overload item)."""
    shape = api.named_generic_type("builtins.tuple", [AnyType(TypeOfAny.special_form)])
    return api.named_generic_type(NDARRAY, [shape, any_dtype(api)])


def static_dim(expr: Expression, typ: Type | None) -> Dim:
    """A size given as an argument: literal arithmetic, a ``Literal`` type, or a type variable (``x.shape[0]``)."""
    value = evaluate_int(expr)
    if value is not None:
        return Known(value)
    return UNKNOWN if typ is None else dim_of(typ)


def describe(expr: Expression | None, role: str) -> str:
    """A short name for an operand in a message: its source text when simple (``W.T``), else ``role``."""
    if expr is None or isinstance(expr, IntExpr):
        return role  # a bare number names nothing: ``array 1: ()`` reads better than ``1: ()``
    text = _source(expr)
    return text if text is not None and len(text) <= _LONGEST_NAME else role


def _source(expr: Expression) -> str | None:
    if isinstance(expr, NameExpr):
        return expr.name
    if isinstance(expr, MemberExpr):
        base = _source(expr.expr)
        return None if base is None else f"{base}.{expr.name}"
    if isinstance(expr, CallExpr):
        callee = _source(expr.callee)
        return None if callee is None else f"{callee}(...)"
    if isinstance(expr, IndexExpr):
        base = _source(expr.base)
        return None if base is None else f"{base}[...]"
    if isinstance(expr, IntExpr):
        return str(expr.value)
    if isinstance(expr, OpExpr):
        left, right = _source(expr.left), _source(expr.right)
        return None if left is None or right is None else f"{left} {expr.op} {right}"
    return None
