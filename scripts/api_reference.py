"""Generate docs/api.md from the code: every public name of each subpackage, its signature, one line.

Run ``python scripts/api_reference.py`` to rewrite docs/api.md; tests/test_docs.py fails when the file
differs from what this prints, so the reference cannot drift from the code.
"""

import dataclasses
import importlib
import inspect
import re
import sys
import types
import typing
from pathlib import Path
from typing import Any

SUBPACKAGES = (
    "core",
    "layers",
    "network",
    "optimizer",
    "verification",
    "files",
    "data",
    "training",
    "predict",
    "interop",
    "spec",
    "search",
    "sklearn",
    "bounds",
    "exact",
    "certify",
    "proofs",
    "robust",
)
TARGET = Path(__file__).parent.parent / "docs" / "api.md"


def _alias_names() -> dict[int, str]:
    from verified_nn import core, network

    names = {}
    for module in (core, network):  # the aliases users import
        for name, value in vars(module).items():
            if name[:1].isupper() and getattr(value, "dim_str", None) is not None:
                names[id(value)] = name
    return names


ALIASES = _alias_names()


def _annotation(hint: Any) -> str:
    if isinstance(hint, str):  # a forward reference, written as a string in the code
        return hint
    if id(hint) in ALIASES:
        return ALIASES[id(hint)]
    if getattr(hint, "dim_str", None) is not None:
        return str(hint.__name__)
    if hint is types.ModuleType:
        return "ModuleType"
    if isinstance(hint, type):
        return hint.__qualname__
    text = inspect.formatannotation(hint)
    for prefix in ("verified_nn.", "collections.abc.", "jaxtyping.", "typing.", "numpy.", "pathlib."):
        text = text.replace(prefix, "")
    text = re.sub(r"\b\w+\._\w+\.", "", text)  # network._mlp.MLP -> MLP
    text = re.sub(r"(?<![\w.])_\w+\.", "", text)  # pathlib._local.Path (Python 3.13) -> Path
    text = re.sub(r"\bUnpack\[(\w+)\]", r"*\1", text)  # Python 3.11 prints Unpack[Rest], 3.12 *Rest
    return text.replace("ndarray[Any, Any]", "ndarray").replace("~", "")


def _default(default: Any) -> str:
    if isinstance(default, type):
        return f"np.{default.__name__}"
    if inspect.isfunction(default):  # by name: a repr would print the function's address
        return default.__name__
    if type(default).__name__ == "Mode" and not default.training:
        return "EVAL"
    return repr(default)


def _signature(obj: Any, implementation: Any = None, *, method: bool = False) -> str:
    """``(a: int, *, b: str = 'x', **rest: Any) -> R``; for a method, without its ``self``/``cls``."""
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return "(...)"
    # An overload writes its defaults as ``...``; the implementation holds the real ones.
    real = inspect.signature(implementation).parameters if implementation is not None else {}
    parts = []
    seen_keyword_only = False
    for position, parameter in enumerate(signature.parameters.values()):
        if method and position == 0 and parameter.name in ("self", "cls"):
            continue
        if parameter.kind is parameter.VAR_POSITIONAL:
            seen_keyword_only = True  # what follows *args is keyword-only already
        if parameter.kind is parameter.KEYWORD_ONLY and not seen_keyword_only:
            parts.append("*")
            seen_keyword_only = True
        stars = "*" if parameter.kind is parameter.VAR_POSITIONAL else ""
        stars = "**" if parameter.kind is parameter.VAR_KEYWORD else stars
        text = stars + parameter.name
        if parameter.annotation is not parameter.empty:
            text += f": {_annotation(parameter.annotation)}"
        if parameter.default is not parameter.empty:
            default = parameter.default
            if default is Ellipsis and parameter.name in real:
                default = real[parameter.name].default
            text += f" = {_default(default)}"
        parts.append(text)
    result = f"({', '.join(parts)})"
    if signature.return_annotation is not signature.empty:
        result += f" -> {_annotation(signature.return_annotation)}"
    return result


def _field(field: "dataclasses.Field[Any]") -> str:
    """``name: type = default`` of a dataclass field (``= factory()`` for a default factory)."""
    text = f"{field.name}: {_annotation(field.type)}"
    if field.default is not dataclasses.MISSING:
        return f"{text} = {_default(field.default)}"
    if field.default_factory is not dataclasses.MISSING:
        return f"{text} = {getattr(field.default_factory, '__name__', 'factory')}()"
    return text


def _summary(obj: Any) -> str:
    doc = inspect.getdoc(obj) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def _entry(name: str, obj: Any) -> list[str]:
    if getattr(obj, "dim_str", None) is not None:
        return [f"- `{name}`: array alias, checked at run time as `{obj.__name__}`"]
    if isinstance(obj, typing.TypeVar):
        return [f"- `{name}`: type variable"]
    if isinstance(obj, types.GenericAlias | typing._GenericAlias):  # type: ignore[attr-defined]
        return [f"- `{name}`: type alias for `{_annotation(obj)}`"]
    if inspect.isclass(obj):
        lines = [
            f"- **class `{name}`**{' (frozen dataclass)' if dataclasses.is_dataclass(obj) else ''}: {_summary(obj)}"
        ]
        if dataclasses.is_dataclass(obj):
            fields = ", ".join(f"`{_field(f)}`" for f in dataclasses.fields(obj) if f.init)
            if fields:
                lines.append(f"  - fields: {fields}")
        elif "__init__" in vars(obj):  # a constructor of its own: show how to call it
            lines.append(f"  - `{name}{_signature(vars(obj)['__init__'], method=True).removesuffix(' -> None')}`")
        for member_name, member in vars(obj).items():
            if isinstance(member, staticmethod | classmethod):
                member = member.__func__
            if member_name.startswith("_") or not (inspect.isfunction(member) or isinstance(member, property)):
                continue
            if isinstance(member, property):
                lines.append(f"  - `{member_name}` (property): {_summary(member)}")
                continue
            variants = typing.get_overloads(member) or [member]  # typed overloads say more than the implementation
            signatures = " / ".join(
                f"`{member_name}{_signature(variant, member, method=True)}`" for variant in variants
            )
            lines.append(f"  - {signatures}: {_summary(member)}")
        return lines
    if callable(obj):
        return [f"- `{name}{_signature(obj)}`: {_summary(obj)}"]
    if isinstance(obj, int | float | str):
        return [f"- `{name}` = `{obj!r}`"]
    label = f" named `{obj.name}`" if hasattr(obj, "name") else ""
    return [f"- `{name}`: a `{type(obj).__name__}`{label}"]


def render() -> str:
    lines = [
        "# API reference",
        "",
        "Generated from the code by `python scripts/api_reference.py`; `tests/test_docs.py` fails if this",
        "file and the code disagree. Array annotations are shown by alias (see `verified_nn.core`) or as",
        "`Dtype[ndarray, 'dims']`: `Floating` is float32 or float64, named dims such as `batch` must agree",
        "within one call, and `*shape` stands for any number of dims.",
    ]
    for subpackage in SUBPACKAGES:
        module = importlib.import_module(f"verified_nn.{subpackage}")
        lines += ["", f"## `verified_nn.{subpackage}`", "", (inspect.getdoc(module) or "").splitlines()[0], ""]
        for name in sorted(vars(module), key=str.lower):
            obj = vars(module)[name]
            if name.startswith("_") or inspect.ismodule(obj) or name in {"annotations"}:
                continue
            if getattr(obj, "__module__", "").startswith("typing"):
                continue
            lines += _entry(name, obj)
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    TARGET.write_text(render())
    sys.stdout.write(f"wrote {TARGET}\n")
