"""verified_nn's mypy plugin: mypy infers and checks static array shapes through numpy code.

Enable it in the mypy configuration with ``plugins = verified_nn.mypy_plugin``; options go in a
``[verified_nn.mypy_plugin]`` section (``[tool.verified_nn.mypy_plugin]`` in ``pyproject.toml``). See
``docs/static-shapes.md``. This package imports only mypy and the standard library: never numpy, and
nothing else of verified_nn.
"""

from ._plugin import ShapePlugin, plugin

__all__ = ["ShapePlugin", "plugin"]
