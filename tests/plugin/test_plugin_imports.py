"""The plugin is loaded by mypy: it imports mypy and the standard library only, and ``verified_nn`` stays cheap."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

# This module runs mypy: seconds on a quiet machine, minutes on a loaded one (the quick tests' limit is 120 s).
pytestmark = pytest.mark.timeout(600)

PLUGIN = Path(__file__).parents[2] / "verified_nn" / "mypy_plugin"


def _modules_after(statement: str) -> set[str]:
    code = f"import sys\n{statement}\nprint('\\n'.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(result.stdout.split())


def test_importing_verified_nn_imports_neither_mypy_nor_numpy() -> None:
    loaded = _modules_after("import verified_nn")
    assert not {m for m in loaded if m.split(".")[0] in ("mypy", "numpy", "jaxtyping", "beartype")}


def test_loading_the_plugin_imports_no_numpy_and_nothing_else_of_verified_nn() -> None:
    loaded = _modules_after("import verified_nn.mypy_plugin")
    assert "mypy.plugin" in loaded
    assert not {m for m in loaded if m.split(".")[0] in ("numpy", "jaxtyping", "beartype")}
    ours = {m for m in loaded if m.startswith("verified_nn")}
    assert all(m == "verified_nn" or m.startswith("verified_nn.mypy_plugin") for m in ours), sorted(ours)


@pytest.mark.parametrize("path", sorted(PLUGIN.glob("*.py")), ids=lambda p: p.name)
def test_plugin_modules_import_only_mypy_the_standard_library_and_each_other(path: Path) -> None:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            assert top == "mypy" or top in sys.stdlib_module_names, f"{path.name} imports {name}"
