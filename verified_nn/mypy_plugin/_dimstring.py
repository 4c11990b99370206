"""jaxtyping's dims strings, parsed: ``"batch 784"``, ``"*batch c"``, ``"#n _ ..."``, ``"rows=3"``, ``"n+1"``.

Pure Python with no mypy import. The grammar is jaxtyping's own (``jaxtyping/_array_types.py``): axes
are separated by spaces; an axis is an integer (a fixed size), an identifier (a named size), or any other
expression (a symbolic size, evaluated by jaxtyping at run time). Prefixes modify an axis: ``#``
broadcastable (size 1 also matches), ``*`` variadic (any number of axes), ``_`` anonymous (not checked),
``?`` dependent on the position in a PyTree; ``name=value`` is ``value`` with a name for the reader.
``...`` is any number of anonymous axes. A string jaxtyping refuses raises ``DimsError`` with
jaxtyping's reason.
"""

from dataclasses import dataclass

__all__ = ["Axis", "DimsError", "Fixed", "Named", "Symbolic", "Variadic", "parse_dims"]


class DimsError(ValueError):
    """A dims string that jaxtyping refuses; the message is its reason."""


@dataclass(frozen=True)
class Fixed:
    """An integer size, ``784`` (``#784``: 784 or 1)."""

    size: int
    broadcastable: bool = False


@dataclass(frozen=True)
class Named:
    """A named size, ``batch``; anonymous (``_``, ``_batch``) sizes are not checked by jaxtyping."""

    name: str
    broadcastable: bool = False
    anonymous: bool = False
    treepath: bool = False


@dataclass(frozen=True)
class Symbolic:
    """A size computed from others, ``n+1`` or ``2*n``: an expression jaxtyping evaluates at run time."""

    expression: str
    broadcastable: bool = False


@dataclass(frozen=True)
class Variadic:
    """Any number of axes: ``*batch`` (named: the same axes wherever the name is used), ``...`` or ``*_``."""

    name: str | None
    broadcastable: bool = False
    treepath: bool = False


Axis = Fixed | Named | Symbolic | Variadic


@dataclass
class _Modifiers:
    broadcastable: bool = False
    variadic: bool = False
    anonymous: bool = False
    treepath: bool = False


_PREFIXES = {
    "#": ("broadcastable", "Do not use # twice to denote broadcastability, e.g. `##foo` is not allowed"),
    "*": ("variadic", "Do not use * twice to denote accepting multiple axes, e.g. `**foo` is not allowed"),
    "_": ("anonymous", "Do not use _ twice to denote anonymity, e.g. `__foo` is not allowed"),
    "?": (
        "treepath",
        "Do not use ? twice to denote dependence on location within a PyTree, e.g. `??foo` is not allowed",
    ),
}


def _strip_prefixes(element: str) -> tuple[str, _Modifiers]:
    """The element without its prefix characters and ``name=`` part, and the modifiers they set."""
    modifiers = _Modifiers()
    while element:
        prefix = _PREFIXES.get(element[0])
        if prefix is not None:
            attribute, twice = prefix
            if getattr(modifiers, attribute):
                raise DimsError(twice)
            setattr(modifiers, attribute, True)
            element = element[1:]
        elif element.count("=") == 1:
            element = element.split("=")[1]
        else:
            break
    return element, modifiers


def _axis(element: str) -> Axis:
    if "..." in element:
        if element != "...":
            raise DimsError(f"Anonymous multiple axes '...' must be used on its own; got {element}")
        return Variadic(None)
    core, modifiers = _strip_prefixes(element)
    if not core or core.isidentifier():
        if modifiers.anonymous and modifiers.broadcastable:
            raise DimsError("Cannot have an axis be both anonymous and broadcastable, e.g. `#_` is not allowed.")
        if modifiers.variadic:
            name = None if modifiers.anonymous else core
            return Variadic(name, modifiers.broadcastable, modifiers.treepath)
        return Named(core, modifiers.broadcastable, modifiers.anonymous, modifiers.treepath)
    try:
        size = int(core)
    except ValueError:
        if modifiers.anonymous:
            raise DimsError("Cannot have a symbolic axis be anonymous, e.g. `_foo+bar` is not allowed") from None
        if modifiers.variadic:
            raise DimsError("Cannot have symbolic multiple-axes, e.g. `*foo+bar` is not allowed") from None
        if modifiers.treepath:
            raise DimsError(
                "Cannot have a symbolic axis with tree-path dependence, e.g. `?foo+bar` is not allowed"
            ) from None
        return Symbolic(core, modifiers.broadcastable)
    if modifiers.variadic:
        raise DimsError("Cannot have a fixed axis bind to multiple axes, e.g. `*4` is not allowed.")
    if modifiers.anonymous:
        raise DimsError("Cannot have a fixed axis be anonymous, e.g. `_4` is not allowed.")
    if modifiers.treepath:
        raise DimsError("Cannot have a fixed axis have tree-path dependence, e.g. `?4` is not allowed.")
    return Fixed(size, modifiers.broadcastable)


def parse_dims(text: str) -> tuple[Axis, ...]:
    """The axes of a dims string, in order; ``DimsError`` for a string jaxtyping refuses."""
    axes: list[Axis] = []
    for element in text.split():
        if "," in element and "(" not in element:
            raise DimsError("Axes should be separated with spaces, not commas")
        if element.endswith("#"):
            raise DimsError(
                "As of jaxtyping v0.1.0, broadcastable axes are now denoted with a # at the start, "
                "rather than at the end"
            )
        axes.append(_axis(element))
    if sum(isinstance(axis, Variadic) for axis in axes) > 1:
        raise DimsError("Cannot use variadic specifiers (`*name` or `...`) more than once.")
    return tuple(axes)
