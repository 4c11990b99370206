"""Construction: arrays whose shape is an argument: ``np.zeros((64, 784))``, ``rng.random(size)``, ``np.arange(n)``.

A shape given as ``x.shape`` keeps what is known of it, a whole-shape type variable ``S`` included.
"""

from mypy.nodes import CallExpr, MemberExpr, NameExpr

from ._calls import CallView, Inferred, Rule, RuleError
from ._sizes import Known, Symbol, render_shape

__all__ = ["FUNCTIONS", "METHODS", "STUB_VERSIONS"]


def _constructor_name(view: CallView, default: str) -> str:
    call = view.context
    if isinstance(call, CallExpr) and isinstance(call.callee, MemberExpr | NameExpr):
        return call.callee.name
    return default


def _shaped_by(name: str, position: int, operation: str) -> Rule:
    """A constructor whose argument ``name`` (at ``position``) is the shape; no argument means a scalar."""

    def rule(view: CallView) -> Inferred | None:
        expr = view.arg(name, position)
        if expr is None:
            return None
        dims = view.shape_argument(expr)
        if not isinstance(dims, tuple):
            return None if dims is None else Inferred(dims)  # a whole shape ``S`` passes through
        negative = [d.value for d in dims if isinstance(d, Known) and d.value < 0]
        if negative:
            constructor = _constructor_name(view, operation)
            raise RuleError(f"{constructor}: negative size {negative[0]} in shape {render_shape(dims)}")
        return Inferred(dims)

    return rule


def _arange(view: CallView) -> Inferred | None:
    """``np.arange(stop)``, ``np.arange(start, stop[, step])`` with integer literals, or ``np.arange(n)``
    for a symbolic ``n`` (such as ``x.shape[0]``)."""
    args = view.positional()
    if not args or len(args) > 3:
        return None
    dims = [view.dim(arg) for arg in args]
    if len(dims) == 1 and isinstance(dims[0], Symbol):
        return Inferred((dims[0],))
    if not all(isinstance(d, Known) for d in dims):
        return None
    bounds = [d.value for d in dims if isinstance(d, Known)]
    if len(bounds) == 3 and bounds[2] == 0:
        raise RuleError("arange: step 0")
    return Inferred((Known(len(range(*bounds))),))


_GENERATOR = "numpy.random._generator.Generator"

METHODS: dict[str, Rule] = {
    # numpy 2.4's stubs: np.zeros, np.ones and np.empty are instances of one constructor class.
    "numpy._core.multiarray._ConstructorEmpty.__call__": _shaped_by("shape", 0, "zeros"),
    f"{_GENERATOR}.random": _shaped_by("size", 0, "random"),
    f"{_GENERATOR}.standard_normal": _shaped_by("size", 0, "standard_normal"),
    f"{_GENERATOR}.normal": _shaped_by("size", 2, "normal"),
    f"{_GENERATOR}.uniform": _shaped_by("size", 2, "uniform"),
    f"{_GENERATOR}.integers": _shaped_by("size", 2, "integers"),
}

FUNCTIONS: dict[str, Rule] = {
    # numpy 2.5's stubs: np.zeros, np.ones and np.empty are overloaded functions.
    "numpy._core.multiarray.zeros": _shaped_by("shape", 0, "zeros"),
    "numpy._core.multiarray.empty": _shaped_by("shape", 0, "empty"),
    "numpy._core.numeric.ones": _shaped_by("shape", 0, "ones"),
    "numpy._core.numeric.full": _shaped_by("shape", 0, "full"),
    "numpy._core.multiarray.arange": _arange,
}

# Names that numpy's stubs have in some versions only: (first version, first version without it).
STUB_VERSIONS: dict[str, tuple[tuple[int, int] | None, tuple[int, int] | None]] = {
    "numpy._core.multiarray._ConstructorEmpty.__call__": (None, (2, 5)),
    "numpy._core.multiarray.zeros": ((2, 5), None),
    "numpy._core.multiarray.empty": ((2, 5), None),
    "numpy._core.numeric.ones": ((2, 5), None),
}
