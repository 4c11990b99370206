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

SUBPACKAGES = ("core", "network", "optimizer", "verification", "data", "training")
TARGET = Path(__file__).parent.parent / "docs" / "api.md"


def _alias_names() -> dict[int, str]:
    from verified_nn import core, network

    names = {}
    for module in (core, network):
        for name, value in vars(module).items():
            if name[:1].isupper() and getattr(value, "dim_str", None) is not None:
                names[id(value)] = name
    return names


ALIASES = _alias_names()


def _annotation(hint: Any) -> str:
    if id(hint) in ALIASES:
        return ALIASES[id(hint)]
    if getattr(hint, "dim_str", None) is not None:
        return str(hint.__name__)
    if isinstance(hint, type):
        return hint.__qualname__
    text = inspect.formatannotation(hint)
    for prefix in ("verified_nn.", "collections.abc.", "typing.", "numpy."):
        text = text.replace(prefix, "")
    text = re.sub(r"\b\w+\._\w+\.", "", text)  # network._mlp.MLP -> MLP
    return text.replace("ndarray[Any, Any]", "ndarray").replace("~", "")


def _signature(obj: Any) -> str:
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return "(...)"
    parts = []
    seen_keyword_only = False
    for parameter in signature.parameters.values():
        if parameter.name == "self":
            continue
        if parameter.kind is parameter.KEYWORD_ONLY and not seen_keyword_only:
            parts.append("*")
            seen_keyword_only = True
        text = parameter.name
        if parameter.annotation is not parameter.empty:
            text += f": {_annotation(parameter.annotation)}"
        if parameter.default is not parameter.empty:
            default = parameter.default
            if isinstance(default, type):
                shown = f"np.{default.__name__}"
            elif hasattr(default, "derivative"):  # an Activation: show its name
                shown = str(default.name).upper()
            else:
                shown = repr(default)
            text += f" = {shown}"
        parts.append(text)
    result = f"({', '.join(parts)})"
    if signature.return_annotation is not signature.empty:
        result += f" -> {_annotation(signature.return_annotation)}"
    return result


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
            fields = ", ".join(f"`{f.name}: {_annotation(f.type)}`" for f in dataclasses.fields(obj))
            if fields:
                lines.append(f"  - fields: {fields}")
        for member_name, member in vars(obj).items():
            if member_name.startswith("_") or not (inspect.isfunction(member) or isinstance(member, property)):
                continue
            if isinstance(member, property):
                lines.append(f"  - `{member_name}` (property): {_summary(member)}")
            else:
                lines.append(f"  - `{member_name}{_signature(member)}`: {_summary(member)}")
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
