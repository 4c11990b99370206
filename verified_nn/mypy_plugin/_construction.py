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


def _eye(view: CallView) -> Inferred | None:
    """``np.eye(n)`` is ``(n, n)``, ``np.eye(n, m)`` ``(n, m)``; ``np.identity(n)`` ``(n, n)``."""
    rows_expr = view.arg("N", 0) or view.arg("n", 0)
    if rows_expr is None:
        return None
    columns_expr = view.arg("M", 1)
    rows = view.dim(rows_expr)
    columns = rows if columns_expr is None or view.is_none(columns_expr) else view.dim(columns_expr)
    return Inferred((rows, columns))


def _linspace(view: CallView) -> Inferred | None:
    """``np.linspace(start, stop, num)``: ``num`` points, 50 when not given."""
    if view.has_keyword("retstep") or view.has_keyword("axis"):
        return None
    num = view.arg("num", 2)
    return Inferred((Known(50) if num is None else view.dim(num),))


def _permutation(view: CallView) -> Inferred | None:
    """``rng.permutation(n)`` is ``(n,)``; of an array, its shape."""
    x = view.arg("x", 0)
    if x is None:
        return None
    shape = view.operand(x, "x").shape
    if shape == ():  # an integer
        return Inferred((view.dim(x),))
    return None if shape is None else Inferred(shape)


_GENERATOR = "numpy.random._generator.Generator"

METHODS: dict[str, Rule] = {
    # numpy 2.4's stubs: np.zeros, np.ones and np.empty are instances of one constructor class.
    "numpy._core.multiarray._ConstructorEmpty.__call__": _shaped_by("shape", 0, "zeros"),
    f"{_GENERATOR}.random": _shaped_by("size", 0, "random"),
    f"{_GENERATOR}.standard_normal": _shaped_by("size", 0, "standard_normal"),
    f"{_GENERATOR}.normal": _shaped_by("size", 2, "normal"),
    f"{_GENERATOR}.uniform": _shaped_by("size", 2, "uniform"),
    f"{_GENERATOR}.integers": _shaped_by("size", 2, "integers"),
    f"{_GENERATOR}.choice": _shaped_by("size", 1, "choice"),
    f"{_GENERATOR}.permutation": _permutation,
}

FUNCTIONS: dict[str, Rule] = {
    # numpy 2.5's stubs: np.zeros, np.ones and np.empty are overloaded functions.
    "numpy._core.multiarray.zeros": _shaped_by("shape", 0, "zeros"),
    "numpy._core.multiarray.empty": _shaped_by("shape", 0, "empty"),
    "numpy._core.numeric.ones": _shaped_by("shape", 0, "ones"),
    "numpy._core.numeric.full": _shaped_by("shape", 0, "full"),
    "numpy._core.multiarray.arange": _arange,
    "numpy.lib._twodim_base_impl.eye": _eye,
    "numpy._core.numeric.identity": _eye,
    "numpy._core.function_base.linspace": _linspace,
}

# Names that numpy's stubs have in some versions only: (first version, first version without it).
STUB_VERSIONS: dict[str, tuple[tuple[int, int] | None, tuple[int, int] | None]] = {
    "numpy._core.multiarray._ConstructorEmpty.__call__": (None, (2, 5)),
    "numpy._core.multiarray.zeros": ((2, 5), None),
    "numpy._core.multiarray.empty": ((2, 5), None),
    "numpy._core.numeric.ones": ((2, 5), None),
}
