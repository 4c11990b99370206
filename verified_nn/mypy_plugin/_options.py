"""The plugin's options, read from the mypy configuration file mypy itself uses.

In ``mypy.ini`` / ``setup.cfg``::

    [verified_nn.mypy_plugin]
    strict = True

In ``pyproject.toml``::

    [tool.verified_nn.mypy_plugin]
    strict = true
"""

import configparser
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

__all__ = ["SECTION", "OptionsError", "PluginOptions", "read_options"]

SECTION = "verified_nn.mypy_plugin"


class OptionsError(ValueError):
    """A plugin option that is unknown or has a value of the wrong kind."""


@dataclass(frozen=True)
class PluginOptions:
    # An array of unknown static shape passed where a checked module declares literal sizes is an error.
    strict: bool = False
    # Modules (and their submodules) whose signatures the call-boundary rules check.
    checked_modules: tuple[str, ...] = ("verified_nn",)


def _boolean(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    states = configparser.ConfigParser.BOOLEAN_STATES
    if isinstance(value, str) and value.strip().lower() in states:
        return states[value.strip().lower()]
    raise OptionsError(f"[{SECTION}] {name}: expected true or false, got {value!r}")


def _modules(name: str, value: Any) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(item, str) for item in items):
        raise OptionsError(f"[{SECTION}] {name}: expected module names separated by commas, got {value!r}")
    modules = tuple(item.strip() for item in items if item.strip())
    if not modules:
        raise OptionsError(f"[{SECTION}] {name}: expected at least one module name")
    return modules


def parse_options(table: dict[str, Any]) -> PluginOptions:
    """Options from the plugin's section as a mapping of names to values (strings from an ini file)."""
    known = {f.name for f in fields(PluginOptions)}
    unknown = sorted(set(table) - known)
    if unknown:
        raise OptionsError(f"[{SECTION}] unknown option {unknown[0]!r}; known: {', '.join(sorted(known))}")
    defaults = PluginOptions()
    return PluginOptions(
        strict=_boolean("strict", table["strict"]) if "strict" in table else defaults.strict,
        checked_modules=(
            _modules("checked_modules", table["checked_modules"])
            if "checked_modules" in table
            else defaults.checked_modules
        ),
    )


def read_options(config_file: str | None) -> PluginOptions:
    """The options in ``config_file`` (mypy's ``options.config_file``); defaults where it has none."""
    if config_file is None or not Path(config_file).is_file():
        return PluginOptions()
    path = Path(config_file)
    if path.suffix == ".toml":
        document = tomllib.loads(path.read_text(encoding="utf-8"))
        table = document.get("tool", {}).get("verified_nn", {}).get("mypy_plugin", {})
        if not isinstance(table, dict):
            raise OptionsError(f"[tool.{SECTION}] must be a table")
        return parse_options(table)
    parser = configparser.ConfigParser()
    parser.read(path, encoding="utf-8")
    return parse_options(dict(parser[SECTION])) if parser.has_section(SECTION) else PluginOptions()
