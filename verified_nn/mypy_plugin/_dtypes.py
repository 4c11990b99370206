"""Dtypes at a call: an array of another kind than the parameter declares, found where mypy's own check
cannot see it.

mypy types an argument with the parameter as context, and numpy's stubs then fall back to an overload
of unknown dtype: ``f(np.zeros(8, dtype=np.float32))`` passes where ``f`` declares an integer array,
although the same array held in a variable is an ``arg-type`` error. Here the argument is typed again
without the context, and a kind that cannot match (floating for integer, integer for floating, bool,
complex) is reported. verified-nn computes in float32 and float64 only: float16 passed where its own
functions declare floating arrays is reported too.
"""

import re

from mypy.maptype import map_instance_to_supertype
from mypy.types import AnyType, Instance, Type, TypeVarType, get_proper_type

from ._types import array_of

__all__ = ["dtype_problem", "kind_of", "render_scalar", "scalar_of"]

# The kinds a parameter may declare, most specific first, by the numpy class that stands for each.
_KINDS = (
    ("numpy.bool", "bool"),
    ("numpy.integer", "integer"),
    ("numpy.floating", "floating"),
    ("numpy.complexfloating", "complex"),
)
_PREFIXES = {
    "numpy.floating": "float",
    "numpy.signedinteger": "int",
    "numpy.unsignedinteger": "uint",
    "numpy.complexfloating": "complex",
}
_ARRAYS = {
    "bool": "a boolean array",
    "integer": "an integer array",
    "floating": "a floating-point array",
    "complex": "a complex array",
}


def scalar_of(typ: Type | None) -> Instance | None:
    """The scalar type ``X`` of an array ``ndarray[S, dtype[X]]`` (a type variable's bound), else None."""
    array = array_of(typ)
    if array is None:
        return None
    dtype = get_proper_type(array.args[1])
    if not isinstance(dtype, Instance) or dtype.type.fullname != "numpy.dtype" or not dtype.args:
        return None
    scalar = get_proper_type(dtype.args[0])
    if isinstance(scalar, TypeVarType):
        scalar = get_proper_type(scalar.upper_bound)
    return scalar if isinstance(scalar, Instance) and scalar.type.has_base("numpy.generic") else None


def kind_of(scalar: Instance | None) -> str | None:
    """``"integer"``, ``"floating"``, ``"bool"`` or ``"complex"``; None for ``generic`` and the like."""
    if scalar is None:
        return None
    return next((kind for base, kind in _KINDS if scalar.type.has_base(base)), None)


def _half(scalar: Instance) -> bool:
    """Whether a floating scalar type is float16 (``floating[_16Bit]``)."""
    if not scalar.type.has_base("numpy.floating"):
        return False
    base = next(info for info in scalar.type.mro if info.fullname == "numpy.floating")
    mapped = map_instance_to_supertype(scalar, base)
    bits = get_proper_type(mapped.args[0]) if mapped.args else None
    return isinstance(bits, Instance) and bits.type.name == "_16Bit"


def render_scalar(scalar: Instance) -> str:
    """``float16``, ``int64``, ``floating``: numpy's name for a scalar type, as a user writes it."""
    if _half(scalar):
        return "float16"
    prefix = _PREFIXES.get(scalar.type.fullname)
    bits = get_proper_type(scalar.args[0]) if scalar.args else None
    if prefix is not None and isinstance(bits, Instance) and re.fullmatch(r"_\d+Bit", bits.type.name):
        size = int(bits.type.name[1:-3]) * (2 if prefix == "complex" else 1)  # complex128 is two 64-bit parts
        return f"{prefix}{size}"
    return "complex" if prefix == "complex" else scalar.type.name


def dtype_problem(formal: Type, typed: Type, free: Type, *, library: bool) -> str | None:
    """Why an argument cannot have the parameter's dtype, or None.

    ``typed`` is the argument's type as mypy checks it (with the parameter as context), ``free`` the same
    expression typed without context. A kind conflict is reported only when mypy's own check passes
    (``typed`` has no conflicting kind); float16 where a ``library`` function declares floating always.
    """
    declared = scalar_of(formal)
    declared_kind = kind_of(declared)
    actual = scalar_of(free)
    if declared is None or declared_kind is None or actual is None:
        return None
    actual_kind = kind_of(actual)
    if actual_kind is None:
        return None
    if actual_kind != declared_kind:
        seen = scalar_of(typed)
        if seen is not None and kind_of(seen) not in (None, declared_kind):
            return None  # mypy reports it itself
        if isinstance(get_proper_type(typed), AnyType):
            return None
        return f"is {render_scalar(actual)} where {_ARRAYS[declared_kind]} is declared"
    if library and declared_kind == "floating" and _half(actual) and not _half(declared):
        return "is float16 where a float32 or float64 array is declared"
    return None
