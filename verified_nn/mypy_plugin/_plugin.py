"""The entry class: maps numpy's (and the library's) fully qualified names to the rules of each family."""

import hashlib
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from mypy.nodes import Decorator, FuncDef, OverloadedFuncDef, SymbolNode, TypeAlias, TypeInfo, Var
from mypy.options import Options
from mypy.plugin import (
    AnalyzeTypeContext,
    AttributeContext,
    FunctionContext,
    FunctionSigContext,
    MethodContext,
    MethodSigContext,
    Plugin,
    ReportConfigContext,
)
from mypy.types import AnyType, FunctionLike, Instance, Type, TypeOfAny, get_proper_type

from . import (
    _construction,
    _contract,
    _elementwise,
    _gather,
    _jaxtyping,
    _joining,
    _layout,
    _matmul,
    _reductions,
    _reshape,
)
from ._batches import BATCH_CHECKS, BATCH_METHODS, NETWORK_INPUTS
from ._boundary import check_call, describe_callee, generalize, open_int_sizes
from ._calls import CallView, Rule, RuleError
from ._codes import SHAPE
from ._layers import LAYER_CONSTRUCTORS, NORMALIZE, normalize_check
from ._networks import NETWORK_CHECKS, NETWORK_RESULTS
from ._options import OptionsError, PluginOptions, read_options
from ._sized import SIZED, length, literal_sizes
from ._sizes import Shape
from ._trees import TREE_CHECKS, TREE_RESULTS
from ._types import (
    any_dtype,
    array_shape,
    has_shapes,
    has_unknown_dtype,
    is_loose_type_variable,
    unknown_shape,
    with_shape,
)
from ._wayin import DIM, WAY_IN_CHECKS, WAY_IN_RESULTS, fold_dim, network_input_check

__all__ = ["ShapePlugin", "plugin"]

SignatureHook = Callable[[FunctionSigContext], FunctionLike]
MethodSignatureHook = Callable[[MethodSigContext], FunctionLike]

METHOD_RULES: dict[str, Rule] = {
    **_construction.METHODS,
    **_matmul.METHODS,
    **_elementwise.METHODS,
    **_reductions.METHODS,
    **_reshape.METHODS,
    **_gather.METHODS,
    **_layout.METHODS,
}
FUNCTION_RULES: dict[str, Rule] = {
    **_construction.FUNCTIONS,
    **_matmul.FUNCTIONS,
    **_elementwise.FUNCTIONS,
    **_reductions.FUNCTIONS,
    **_reshape.FUNCTIONS,
    **_joining.FUNCTIONS,
    **_gather.FUNCTIONS,
    **_layout.FUNCTIONS,
    **_contract.FUNCTIONS,
}
ATTRIBUTE_RULES: dict[str, Callable[[Shape], Shape | None]] = dict(_matmul.ATTRIBUTES)
# The hooked names that numpy's stubs have in some versions only (the others are in every supported
# version): ``(first version with it, first version without it)``, None for no limit.
STUB_VERSIONS = dict(_construction.STUB_VERSIONS)


def _check(rule: Rule, ctx: FunctionSigContext | MethodSigContext) -> FunctionLike:
    """Signature hook: run the rule before mypy matches the call, so that a reported conflict stands."""
    try:
        rule(CallView.before(ctx))
    except RuleError as error:
        ctx.api.fail(error.message, ctx.context, code=SHAPE)
    return ctx.default_signature


def _infer(rule: Rule, ctx: FunctionContext | MethodContext) -> Type:
    """Return-type hook: give the result its shape; after a conflict (already reported), an array of
    unknown shape, which mypy accepts anywhere, so that one mistake is reported once."""
    try:
        result = rule(CallView.after(ctx))
    except RuleError:
        return unknown_shape(ctx.api)
    if result is None:
        return open_int_sizes(ctx.default_return_type)
    if result.shape == () and isinstance(get_proper_type(ctx.default_return_type), AnyType):
        # A reduction of every axis: numpy 2.4's stubs say Any; the dtype's scalar type is more use
        # (``x - x.mean()`` keeps the shape of ``x``).
        scalar_dtype = get_proper_type(result.dtype)
        if isinstance(scalar_dtype, Instance) and scalar_dtype.type.fullname == "numpy.dtype" and scalar_dtype.args:
            return scalar_dtype.args[0]
        return ctx.default_return_type
    # With an operand of unknown dtype (or a shape variable bound to ``tuple[Any, ...]``) several overload
    # items match, and mypy keeps the result only if every item gives the same type: then the rule's
    # dtype (``np.dtype[Any]`` if it has none) replaces each item's own.
    operands = [t for types in ctx.arg_types for t in types]
    if isinstance(ctx, MethodContext):
        operands.append(ctx.type)
    loose = any(has_unknown_dtype(t) or is_loose_type_variable(t) for t in operands)
    dtype = result.dtype if result.dtype is not None or not loose else any_dtype(ctx.api)
    return with_shape(ctx.default_return_type, result.shape, ctx.api, dtype, replace_dtype=loose)


def _numpy_result(ctx: FunctionContext | MethodContext) -> Type:
    """A numpy call without a rule: the stubs' result, its ``int`` sizes unknown (``open_int_sizes``)."""
    return open_int_sizes(ctx.default_return_type)


def _source_digest() -> str:
    """A digest of the plugin's own source: mypy re-checks cached modules when it changes.

    mypy keys its cache on the entry module of a plugin only, and the rules live in other modules.
    """
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _attribute(transform: Callable[[Shape], Shape | None], ctx: AttributeContext) -> Type:
    shape = array_shape(ctx.type)
    new = transform(shape) if isinstance(shape, tuple) and not ctx.is_lvalue else None
    return ctx.default_attr_type if new is None else with_shape(ctx.default_attr_type, new, ctx.api, None)


class ShapePlugin(Plugin):
    """mypy calls the ``get_*`` methods with fully qualified names; each returns a hook or None."""

    def __init__(self, options: Options) -> None:
        super().__init__(options)
        try:
            self.shape_options: PluginOptions = read_options(options.config_file)
        except OptionsError as error:
            print(f"{options.config_file}: error: {error}", file=sys.stderr)
            raise SystemExit(2) from None
        self._checked_prefixes = tuple(f"{module}." for module in self.shape_options.checked_modules)
        self._digest = _source_digest()
        self._shaped: dict[str, bool] = {}  # callee -> whether its parameters declare shapes
        self._dims_aliases: dict[str, bool] = {}  # alias -> whether it holds dims variables
        self._bypass: str | None = None  # a name whose next type analysis is mypy's own

    def _checked(self, fullname: str) -> bool:
        return fullname.startswith(self._checked_prefixes) and not fullname.startswith("verified_nn.mypy_plugin.")

    # ------------------------------------------------------------ calls

    def _declares_shapes(self, fullname: str) -> bool | None:
        """Whether the function (method, class, variable holding a function) ``fullname`` has a parameter
        of static shape; None when the name is not found (a local variable: its type decides at the call)."""
        if fullname in self._shaped:
            return self._shaped[fullname]
        symbol = self.lookup_fully_qualified(fullname) if self._modules is not None else None
        if symbol is None or symbol.node is None:
            return None
        callee = _signature_of(symbol.node)
        self._shaped[fullname] = known = callee is not None and has_shapes(callee)
        return known

    def _call_hook(self, fullname: str, *, method: bool) -> Callable[..., FunctionLike] | None:
        checked = self._checked(fullname)
        if fullname.startswith(("numpy.", "builtins.", "typing.")) and not checked:
            return None
        shaped = checked or self._declares_shapes(fullname)
        if shaped is False:
            return None
        callee = describe_callee(fullname, method=method)
        hook = partial(check_call, fullname=fullname, callee=callee, strict=checked and self.shape_options.strict)
        return hook if shaped else partial(_if_shaped, hook)

    def get_function_signature_hook(self, fullname: str) -> SignatureHook | None:
        rule = FUNCTION_RULES.get(fullname)
        if rule is not None:
            return partial(_check, rule)
        hook: SignatureHook | None = self._call_hook(fullname, method=False)
        if fullname == DIM:
            return partial(fold_dim, hook)
        batch_check = BATCH_CHECKS.get(fullname) or WAY_IN_CHECKS.get(fullname) or TREE_CHECKS.get(fullname)
        if batch_check is not None:
            return partial(_checked_first, batch_check, hook)
        return hook

    def get_method_signature_hook(self, fullname: str) -> MethodSignatureHook | None:
        rule = METHOD_RULES.get(fullname)
        if rule is not None:
            return partial(_check, rule)
        hook: MethodSignatureHook | None = self._call_hook(fullname, method=True)
        network_check = NETWORK_CHECKS.get(fullname) or TREE_CHECKS.get(fullname)
        if fullname == f"{NORMALIZE}.forward":
            network_check = normalize_check
        if fullname in NETWORK_INPUTS:
            network_check = partial(network_input_check, name=fullname.rsplit(".", 1)[1])
        if network_check is not None:
            return partial(_checked_first, network_check, hook)
        return hook

    def get_function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        rule = FUNCTION_RULES.get(fullname)
        if rule is not None:
            return partial(_infer, rule)
        if fullname == "builtins.len":
            return length
        return self._result_hook(fullname)

    def get_method_hook(self, fullname: str) -> Callable[[MethodContext], Type] | None:
        rule = METHOD_RULES.get(fullname)
        if rule is not None:
            return partial(_infer, rule)
        return self._result_hook(fullname)

    def _result_hook(self, fullname: str) -> Callable[[Any], Type] | None:
        """The return-type hook of a call that is not numpy's: the library's sizes and networks, else ``generalize``."""
        sized = SIZED.get(fullname)
        hook: Callable[[Any], Type] | None = (
            literal_sizes(sized)
            if sized is not None
            else NETWORK_RESULTS.get(fullname)
            or BATCH_METHODS.get(fullname)
            or WAY_IN_RESULTS.get(fullname)
            or TREE_RESULTS.get(fullname)
        )
        if hook is None and fullname.startswith("numpy."):
            hook = _numpy_result
        elif hook is None:
            hook = None if fullname.startswith("builtins.") else generalize
        layer = LAYER_CONSTRUCTORS.get(fullname)
        return hook if layer is None else partial(_then_layer, hook, layer)

    def get_attribute_hook(self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        transform = ATTRIBUTE_RULES.get(fullname)
        return None if transform is None else partial(_attribute, transform)

    # ------------------------------------------------------------ annotations (semantic analysis)

    def get_type_analyze_hook(self, fullname: str) -> Callable[[AnalyzeTypeContext], Type] | None:
        if fullname == self._bypass:
            self._bypass = None
            return None
        if fullname in _jaxtyping.ANNOTATED:
            return self._annotated
        if fullname in _jaxtyping.ARRAY_NAMES:
            return partial(self._array_in_alias, fullname)
        if self._alias_with_dims(fullname):
            return partial(self._alias_use, fullname)
        return None

    def _mypy_analysis(self, fullname: str, typ: Type, ctx: AnalyzeTypeContext) -> Type:
        """What mypy makes of ``typ`` (whose name is ``fullname``) without this plugin's hook."""
        self._bypass = fullname
        try:
            return ctx.api.analyze_type(typ)
        finally:
            self._bypass = None

    def _annotated(self, ctx: AnalyzeTypeContext) -> Type:
        """``Annotated[X, ...]``: a jaxtyping annotation becomes a shaped array; any other is ``X``, as in mypy."""
        args = ctx.type.args
        if len(args) < 2:
            ctx.api.fail("Annotated[...] must have exactly one type argument and at least one annotation", ctx.context)
            return AnyType(TypeOfAny.from_error)
        text = _jaxtyping.dims_text(args[1]) if len(args) == 2 else None
        if text is not None and _jaxtyping.dtype_class(ctx.type.name, ctx) is not None:
            return _jaxtyping.shaped(ctx.type.name, args[0], text, ctx, _analyze_nested(ctx))
        return _analyze_nested(ctx)(args[0])

    def _array_in_alias(self, fullname: str, ctx: AnalyzeTypeContext) -> Type:
        """An array type read from an alias definition: the jaxtyping subscript mypy dropped around it, if any."""
        found = _jaxtyping.alias_dims(ctx) if getattr(ctx.api, "defining_alias", False) else None
        if found is None:
            return self._mypy_analysis(fullname, ctx.type, ctx)
        written, text = found
        result = _jaxtyping.shaped(written, ctx.type, text, ctx, partial(self._mypy_analysis, fullname, ctx=ctx))
        proper = get_proper_type(result)
        if not ctx.type.args and isinstance(proper, Instance):
            # mypy reads an alias of a bare generic (``X = np.ndarray``) as taking type arguments, and would
            # give the shape ``Any`` at each use: the arguments found here make it a complete type.
            ctx.type.args = tuple(proper.args)
        return result

    def _alias_with_dims(self, fullname: str) -> bool:
        known = self._dims_aliases.get(fullname)
        if known is not None:
            return known
        symbol = self.lookup_fully_qualified(fullname) if self._modules is not None else None
        node = symbol.node if symbol is not None else None
        if not isinstance(node, TypeAlias):
            if isinstance(node, TypeInfo | FuncDef):
                self._dims_aliases[fullname] = False
            return False
        self._dims_aliases[fullname] = bool(_jaxtyping.dims_variables(node.target))
        return self._dims_aliases[fullname]

    def _alias_use(self, fullname: str, ctx: AnalyzeTypeContext) -> Type:
        """An alias holding named sizes, used where they cannot be bound (a class body, a module): unknown sizes."""
        return _jaxtyping.localize(self._mypy_analysis(fullname, ctx.type, ctx), ctx)

    def report_config_data(self, ctx: ReportConfigContext) -> dict[str, object]:
        """The options and the plugin's source digest: mypy's cache is invalidated when either changes."""
        options = self.shape_options
        return {"strict": options.strict, "checked_modules": list(options.checked_modules), "source": self._digest}


def _analyze_nested(ctx: AnalyzeTypeContext) -> Callable[[Type], Type]:
    """mypy's own analysis of the first argument of ``Annotated`` (as its ``typeanal`` does it)."""
    api = ctx.api
    anal_type = getattr(api, "anal_type", None)
    if anal_type is None:
        return api.analyze_type
    allow = getattr(api, "allow_typed_dict_special_forms", False)
    return partial(anal_type, allow_typed_dict_special_forms=allow)


def _checked_first(
    check: Callable[[Any], None], hook: Callable[[Any], FunctionLike] | None, ctx: FunctionSigContext | MethodSigContext
) -> FunctionLike:
    """A signature hook running ``check`` (which may report) before ``hook`` (or none)."""
    check(ctx)
    return hook(ctx) if hook is not None else ctx.default_signature


def _then_layer(
    first: Callable[[Any], Type] | None, layer: Callable[[Any, Type], Type], ctx: FunctionContext | MethodContext
) -> Type:
    """A return-type hook: ``first``'s result (or mypy's), then a layer constructor's additions to it."""
    return layer(ctx, first(ctx) if first is not None else ctx.default_return_type)


def _if_shaped(hook: Callable[[Any], FunctionLike], ctx: FunctionSigContext | MethodSigContext) -> FunctionLike:
    """Run ``hook`` for a callee known only by its type (a function held in a local variable) that has shapes."""
    return hook(ctx) if has_shapes(ctx.default_signature) else ctx.default_signature


def _signature_of(node: SymbolNode | None) -> Type | None:
    """The type of a function, a method (decorated or overloaded), a variable, or a class's ``__init__``."""
    if isinstance(node, Var):
        return node.type
    if isinstance(node, Decorator):
        return node.var.type or node.func.type
    if isinstance(node, FuncDef | OverloadedFuncDef):
        return node.type
    if isinstance(node, TypeInfo):
        init = node.get("__init__")
        return _signature_of(init.node) if init is not None and node.fullname != "builtins.object" else None
    return None


def plugin(version: str) -> type[Plugin]:
    """mypy's entry point: the plugin class (one class serves every mypy version the project declares)."""
    return ShapePlugin
