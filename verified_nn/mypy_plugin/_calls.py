"""One call as a rule sees it: the same view before mypy checks the call and after it has.

mypy tries each overload item, and each direction of an operator (``__matmul__``, then
``__rmatmul__``), with its error messages filtered: an error reported from a return-type hook would
make mypy reject the item and try the next one. So every rule runs twice: from a *signature* hook,
where mypy has not yet started matching the call and a reported error stands, and from a *return-type*
hook, where the rule only gives the result its shape. ``CallView`` hides which of the two it is.
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from mypy.erasetype import erase_typevars
from mypy.nodes import (
    ARG_NAMED,
    ARG_POS,
    CallExpr,
    ComparisonExpr,
    Context,
    Expression,
    IndexExpr,
    ListExpr,
    MemberExpr,
    NameExpr,
    OpExpr,
    StarExpr,
    StrExpr,
    TupleExpr,
)
from mypy.operators import op_methods
from mypy.plugin import (
    CheckerPluginInterface,
    FunctionContext,
    FunctionSigContext,
    MethodContext,
    MethodSigContext,
)
from mypy.types import Instance, LiteralType, TupleType, Type, TypeVarType, get_proper_type

from ._sizes import AnyShape, Count, Dim, Known, ShapeConflictError, Unknown, WholeShape, count, render_shape
from ._types import (
    array_of,
    array_shape,
    describe,
    dim_of,
    evaluate_int,
    literal_int_of_type,
    operand_shape,
    whole_shape_of,
)

__all__ = ["CallView", "Inferred", "Operand", "Rule", "RuleError", "explained"]


class RuleError(Exception):
    """A shape conflict, already worded as the one-line message mypy will print."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Operand:
    """An array (or scalar) taking part in an operation: how messages name it, and its shape and type."""

    name: str
    shape: AnyShape
    type: Type | None


@dataclass(frozen=True)
class Inferred:
    """A rule's result: the shape, and the dtype to use where numpy's stubs give no array type at all."""

    shape: AnyShape
    dtype: Type | None = None


@contextmanager
def explained(operation: str, operands: Sequence[Operand]) -> Iterator[None]:
    """Turn a ``ShapeConflictError`` raised inside into a ``RuleError`` naming the operation and its operands.

    With sizes: ``matmul: inner sizes differ: 100 (x: (64, 100)) and 784 (W.T: (784, 128))``;
    without: ``sum: axis 2 is out of range for rank 2 (x: (64, 10))``.
    """
    try:
        yield
    except ShapeConflictError as conflict:
        if any(i >= len(operands) for i in conflict.operands):
            raise RuleError(f"{operation}: {conflict.what}") from None
        names = [f"{operands[i].name}: {render_shape(operands[i].shape)}" for i in conflict.operands]
        if conflict.sizes:
            parts = " and ".join(f"{size} ({name})" for size, name in zip(conflict.sizes, names, strict=True))
            raise RuleError(f"{operation}: {conflict.what}: {parts}") from None
        raise RuleError(f"{operation}: {conflict.what} ({names[0]})") from None


class CallView:
    """Arguments of one call by formal name or position, with their types computed only when asked for."""

    _retyping = False  # an argument is being typed again (see ``type_of``)

    def __init__(
        self,
        *,
        api: CheckerPluginInterface,
        context: Context,
        receiver: Type | None,
        formal_names: Sequence[str | None],
        args: Sequence[Sequence[Expression]],
        types_of_args: Sequence[Sequence[Type]] | None,
        formal_types: Sequence[Type] | None,
    ) -> None:
        self.api = api
        self.context = context
        self.receiver = receiver
        self._formal_names = list(formal_names)
        self._args = args
        self._formal_types = formal_types
        self._types: dict[int, Type] = {}
        if types_of_args is not None:
            for exprs, types in zip(args, types_of_args, strict=False):
                for expr, typ in zip(exprs, types, strict=False):
                    self._types[id(expr)] = typ

    @classmethod
    def before(cls, ctx: FunctionSigContext | MethodSigContext) -> "CallView":
        """The view from a signature hook: argument types are computed on demand."""
        signature = ctx.default_signature
        return cls(
            api=ctx.api,
            context=ctx.context,
            receiver=ctx.type if isinstance(ctx, MethodSigContext) else None,
            formal_names=signature.arg_names,
            args=ctx.args,
            types_of_args=None,
            formal_types=signature.arg_types,
        )

    @classmethod
    def after(cls, ctx: FunctionContext | MethodContext) -> "CallView":
        """The view from a return-type hook: mypy's own argument types are used."""
        return cls(
            api=ctx.api,
            context=ctx.context,
            receiver=ctx.type if isinstance(ctx, MethodContext) else None,
            formal_names=ctx.callee_arg_names,
            args=ctx.args,
            types_of_args=ctx.arg_types,
            formal_types=None,
        )

    # ------------------------------------------------------------ arguments

    def _formal(self, name: str | None, position: int | None) -> int | None:
        if name is not None and name in self._formal_names:
            return self._formal_names.index(name)
        if position is not None and position < len(self._args):
            return position
        return None

    def arg(self, name: str | None, position: int | None = None) -> Expression | None:
        """The expression passed for a parameter: by keyword ``name``, else at ``position``; None if absent.

        For a call expression this reads the call as written, so that it means the same for every overload
        item mypy tries; operators and subscripts fall back to the signature's own mapping.
        """
        exprs = self.arg_list(name, position)
        return exprs[0] if exprs else None

    def arg_list(self, name: str | None, position: int | None = None) -> Sequence[Expression]:
        """The expressions passed for a parameter; for ``*args`` every positional argument from ``position``."""
        call = self.context
        if isinstance(call, CallExpr):
            if any(kind not in (ARG_POS, ARG_NAMED) for kind in call.arg_kinds):
                return ()  # *args or **kwargs at the call: which parameter gets what is not known here
            if name is not None and name in call.arg_names:
                return (call.args[call.arg_names.index(name)],)
            positional = [a for a, kind in zip(call.args, call.arg_kinds, strict=True) if kind == ARG_POS]
            return positional[position:] if position is not None else ()
        formal = self._formal(name, position)
        return () if formal is None else self._args[formal]

    def positional(self) -> list[Expression] | None:
        """The call's positional arguments in source order; None if there are others or ``*args``."""
        call = self.context
        if not isinstance(call, CallExpr) or any(kind != ARG_POS for kind in call.arg_kinds):
            return None
        return list(call.args)

    def type_of(self, expr: Expression) -> Type:
        """The type of an argument expression (mypy's, or computed now from the source).

        A call passed as an argument (``np.exp(shifted(z))``) is typed without the formal as context:
        mypy solves a generic callee's type variables from a context full of ``Any`` first, and the
        sizes of the argument are lost (``(B, C)`` becomes ``(Any, Any)``).
        """
        known = self._types.get(id(expr))
        if known is None:
            known = self.api.get_expression_type(expr, None if isinstance(expr, CallExpr) else self._context_type(expr))
        elif isinstance(expr, CallExpr) and _shape_gaps(known) and not CallView._retyping:
            CallView._retyping = True  # once per operation, not again for the calls inside: no blow-up
            try:
                fresh = self.api.get_expression_type(expr)
            finally:
                CallView._retyping = False
            known = fresh if _shape_gaps(fresh) < _shape_gaps(known) else known
        self._types[id(expr)] = known
        return known

    def _context_type(self, expr: Expression) -> Type | None:
        """The formal type as context, its type variables erased: they are the callee's own, not yet
        solved, and an argument checked against one would be refused (``Dim(128)`` against ``Dim[_O]``)."""
        if self._formal_types is None:
            return None
        for formal, exprs in enumerate(self._args):
            if any(e is expr for e in exprs) and formal < len(self._formal_types):
                return erase_typevars(self._formal_types[formal])
        return None

    # ------------------------------------------------------------ operands and sizes

    def operand(self, expr: Expression, role: str) -> Operand:
        typ = self.type_of(expr)
        return Operand(describe(expr, role), operand_shape(typ), typ)

    def receiver_operand(self, role: str) -> Operand:
        call = self.context
        source: Expression | None = None
        if isinstance(call, CallExpr) and isinstance(call.callee, MemberExpr):
            source = call.callee.expr
        elif isinstance(call, IndexExpr):
            source = call.base
        return Operand(describe(source, role), operand_shape(self.receiver), self.receiver)

    def binary_operands(self, method: str) -> tuple[Operand, Operand] | None:
        """Left and right operand of an operator whose ``method`` runs on the receiver, in source order.

        None when the receiver's shape is unknown: nothing can then be inferred, and the other operand's
        type is not computed.
        """
        arg = self.arg(None, 0)
        receiver_shape = operand_shape(self.receiver)
        if arg is None or receiver_shape is None:
            return None
        operator, left, right = _binary_expression(self.context)
        forward = operator is None or op_methods.get(operator) == method
        typ = self.type_of(arg)
        other = Operand(describe(right if forward else left, "argument"), operand_shape(typ), typ)
        mine = Operand(describe(left if forward else right, "receiver"), receiver_shape, self.receiver)
        return (mine, other) if forward else (other, mine)

    def has_keyword(self, name: str) -> bool:
        """Whether the call passes ``name=...`` (such as ``out=``, whose type then decides the result)."""
        call = self.context
        return isinstance(call, CallExpr) and name in call.arg_names

    def dim(self, expr: Expression) -> Dim:
        """One size passed as an argument: literal arithmetic first, else what its type says."""
        value = evaluate_int(expr)
        return Known(value) if value is not None else dim_of(self.type_of(expr), keep_unknown=False)

    def dims(self, expr: Expression) -> tuple[Dim, ...] | None:
        """A shape passed as an argument: an int, a tuple/list of ints, or a tuple-typed value (``x.shape``)."""
        if isinstance(expr, TupleExpr | ListExpr):
            dims: list[Dim] = []
            for item in expr.items:
                if not isinstance(item, StarExpr):
                    dims.append(self.dim(item))
                    continue
                # ``(n, *kernel)``: the starred part adds its own sizes, or leaves the rank unknown.
                spliced = get_proper_type(self.type_of(item.expr))
                if not isinstance(spliced, TupleType):
                    return None
                dims.extend(dim_of(part, keep_unknown=False) for part in spliced.items)
            return tuple(dims)
        if evaluate_int(expr) is not None:
            return (self.dim(expr),)
        typ = get_proper_type(self.type_of(expr))
        if isinstance(typ, TupleType):
            return tuple(dim_of(item, keep_unknown=False) for item in typ.items)
        if literal_int_of_type(typ) is not None or _is_int(typ):
            return (dim_of(typ, keep_unknown=False),)
        return None

    def ints(self, expr: Expression | None) -> list[int] | None:
        """An int or a tuple/list of ints given as literals (or ``Literal`` types); None otherwise."""
        if expr is None:
            return None
        items = expr.items if isinstance(expr, TupleExpr | ListExpr) else [expr]
        values = [self.int_value(item) for item in items]
        return None if any(v is None for v in values) else [v for v in values if v is not None]

    def int_value(self, expr: Expression) -> int | None:
        """One integer given as a literal expression or a ``Literal`` type."""
        value = evaluate_int(expr)
        return value if value is not None else literal_int_of_type(self.type_of(expr))

    def is_none(self, expr: Expression | None) -> bool:
        """Whether the argument is the literal ``None`` (an absent argument is not)."""
        return isinstance(expr, NameExpr) and expr.fullname == "builtins.None"

    def text(self, expr: Expression | None) -> str | None:
        """A string given as a literal (or a ``Final`` or ``Literal``-typed one)."""
        if isinstance(expr, StrExpr):
            return expr.value
        if expr is None:
            return None
        proper = get_proper_type(self.type_of(expr))
        if isinstance(proper, Instance) and proper.last_known_value is not None:
            proper = proper.last_known_value
        return proper.value if isinstance(proper, LiteralType) and isinstance(proper.value, str) else None

    def size_product(self, expr: Expression) -> Count | None:
        """A size as a product of literals and symbols: ``x.shape[1] * x.shape[2]`` is ``R*C``; None if unknown."""
        if isinstance(expr, OpExpr) and expr.op == "*":
            left, right = self.size_product(expr.left), self.size_product(expr.right)
            return None if left is None or right is None else left.times(right)
        dim = self.dim(expr)
        return None if isinstance(dim, Unknown) else count([dim])

    def shape_argument(self, expr: Expression) -> AnyShape:
        """A shape passed as an argument, as :meth:`dims` reads it, or a whole-shape type variable: for
        ``x: ndarray[S, D]``, ``np.zeros(x.shape)`` is an ``ndarray[S, ...]``."""
        dims = self.dims(expr)
        return dims if dims is not None else whole_shape_of(self.type_of(expr))


def _binary_expression(context: Context) -> tuple[str | None, Expression | None, Expression | None]:
    """The operator and the two operands of ``a + b`` or ``a < b`` as written; Nones for anything else."""
    if isinstance(context, OpExpr):
        return context.op, context.left, context.right
    if isinstance(context, ComparisonExpr) and len(context.operators) == 1:
        return context.operators[0], context.operands[0], context.operands[1]
    return None, None, None


def _shape_gaps(typ: Type) -> int:
    """How little is known of an array's shape: its unknown sizes, or many for an unknown rank; 0 for
    anything that is not an array (nothing to improve)."""
    if array_of(typ) is None:
        return 0
    shape = array_shape(typ)
    if isinstance(shape, WholeShape):
        return 0
    if shape is None:
        return 1_000
    return sum(isinstance(dim, Unknown) for dim in shape)


def _is_int(typ: Type) -> bool:
    proper = get_proper_type(typ)
    if isinstance(proper, TypeVarType):
        proper = get_proper_type(proper.upper_bound)
    return isinstance(proper, Instance) and proper.type.fullname == "builtins.int"


Rule = Callable[[CallView], Inferred | None]
"""A rule infers the result of one call (None: leave mypy's type) or raises ``RuleError``."""
