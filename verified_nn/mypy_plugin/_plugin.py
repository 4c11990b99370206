"""The entry class: maps numpy's (and the library's) fully qualified names to the rules of each family."""

import hashlib
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

from mypy.options import Options
from mypy.plugin import (
    AttributeContext,
    FunctionContext,
    FunctionSigContext,
    MethodContext,
    MethodSigContext,
    Plugin,
    ReportConfigContext,
)
from mypy.types import FunctionLike, Type

from . import _construction, _elementwise, _joining, _matmul, _reductions, _reshape
from ._boundary import check_call, describe_callee
from ._calls import CallView, Rule, RuleError
from ._codes import SHAPE
from ._options import OptionsError, PluginOptions, read_options
from ._sized import SIZED, literal_sizes
from ._sizes import Shape
from ._types import any_dtype, array_shape, has_unknown_dtype, is_loose_type_variable, unknown_shape, with_shape

__all__ = ["ShapePlugin", "plugin"]

SignatureHook = Callable[[FunctionSigContext], FunctionLike]
MethodSignatureHook = Callable[[MethodSigContext], FunctionLike]

METHOD_RULES: dict[str, Rule] = {
    **_construction.METHODS,
    **_matmul.METHODS,
    **_elementwise.METHODS,
    **_reductions.METHODS,
    **_reshape.METHODS,
}
FUNCTION_RULES: dict[str, Rule] = {
    **_construction.FUNCTIONS,
    **_matmul.FUNCTIONS,
    **_elementwise.FUNCTIONS,
    **_reductions.FUNCTIONS,
    **_reshape.FUNCTIONS,
    **_joining.FUNCTIONS,
}
ATTRIBUTE_RULES: dict[str, Callable[[Shape], Shape | None]] = dict(_matmul.ATTRIBUTES)


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

    def _checked(self, fullname: str) -> bool:
        return fullname.startswith(self._checked_prefixes) and not fullname.startswith("verified_nn.mypy_plugin.")

    def get_function_signature_hook(self, fullname: str) -> SignatureHook | None:
        rule = FUNCTION_RULES.get(fullname)
        if rule is not None:
            return partial(_check, rule)
        if self._checked(fullname):
            callee = describe_callee(fullname, method=False)
            return partial(check_call, fullname=fullname, callee=callee, strict=self.shape_options.strict)
        return None

    def get_method_signature_hook(self, fullname: str) -> MethodSignatureHook | None:
        rule = METHOD_RULES.get(fullname)
        if rule is not None:
            return partial(_check, rule)
        if self._checked(fullname):
            callee = describe_callee(fullname, method=True)
            return partial(check_call, fullname=fullname, callee=callee, strict=self.shape_options.strict)
        return None

    def get_function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        rule = FUNCTION_RULES.get(fullname)
        if rule is not None:
            return partial(_infer, rule)
        sized = SIZED.get(fullname)
        return None if sized is None else literal_sizes(sized)

    def get_method_hook(self, fullname: str) -> Callable[[MethodContext], Type] | None:
        rule = METHOD_RULES.get(fullname)
        if rule is not None:
            return partial(_infer, rule)
        sized = SIZED.get(fullname)
        return None if sized is None else literal_sizes(sized)

    def get_attribute_hook(self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        transform = ATTRIBUTE_RULES.get(fullname)
        return None if transform is None else partial(_attribute, transform)

    def report_config_data(self, ctx: ReportConfigContext) -> dict[str, object]:
        """The options and the plugin's source digest: mypy's cache is invalidated when either changes."""
        options = self.shape_options
        return {"strict": options.strict, "checked_modules": list(options.checked_modules), "source": self._digest}


def plugin(version: str) -> type[Plugin]:
    """mypy's entry point: the plugin class (one class serves every mypy version the project declares)."""
    return ShapePlugin
