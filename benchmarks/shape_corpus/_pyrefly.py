"""Pyrefly on the same variants, each style in the form Pyrefly's shape tracking reads.

Pyrefly (Python 3.12+, with ``pyrefly-numpy-stubs`` and ``pyrefly-shape-extensions`` installed in its own
environment) reads numpy shapes written ``np.ndarray[[B, 784], D]`` with ``B = IntVar("B")``, and
jaxtyping's dims strings only in a function decorated ``@static_jaxtyping("names")``. So:

- jaxtyping style: each function whose annotations hold named dims gets
  ``@static_jaxtyping("<its names>")`` (``*name`` for a variadic one), and the file imports it;
- typed style: ``np.ndarray[tuple[X, Literal[784]], D]`` becomes ``np.ndarray[[X, 784], D]``, a
  ``TypeVar(..., bound=int)`` becomes ``IntVar(...)`` and one bound to ``tuple[int, ...]`` is bound
  to ``IntTuple``;
- plain, library and API files as they are.

Everything else (code, line breaks inside a statement) is kept, and each new line maps to its source line.
"""

import ast
import json
import re
import subprocess
import time
from pathlib import Path

from . import _checks

JAXTYPING_DTYPES = re.compile(r"^(Float|Int|UInt|Integer|Bool|Shaped|Num|Real|Inexact|Complex)\d*$")
_DIM = re.compile(r"^(?P<star>\*)?(?P<name>[A-Za-z_]\w*)$")
_IMPORT_JAXTYPING = "from shape_extensions import static_jaxtyping  # added for Pyrefly"
_IMPORT_TYPED = "from shape_extensions import IntTuple, IntVar  # added for Pyrefly"


def _dims_names(node: ast.AST) -> list[str]:
    """The named dims of every jaxtyping annotation under ``node`` (``*batch`` kept with its star)."""
    names: list[str] = []
    for sub in ast.walk(node):
        if not (isinstance(sub, ast.Subscript) and isinstance(sub.slice, ast.Tuple) and len(sub.slice.elts) == 2):
            continue
        head = sub.value.attr if isinstance(sub.value, ast.Attribute) else getattr(sub.value, "id", "")
        dims = sub.slice.elts[1]
        if JAXTYPING_DTYPES.match(head) and isinstance(dims, ast.Constant) and isinstance(dims.value, str):
            for token in dims.value.split():
                match = _DIM.match(token)
                if match is not None and token not in names and match["name"] != "_":
                    names.append(token)
    return names


def jaxtyping_form(text: str) -> tuple[str, list[int]]:
    """Add ``@static_jaxtyping(...)`` over every function that names dims, and its import on line 1."""
    tree = ast.parse(text)
    lines = text.splitlines()
    inserts: dict[int, str] = {}  # before source line -> new line
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names = _dims_names(node)
            if names:
                first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
                indent = " " * node.col_offset
                inserts[first] = f'{indent}@static_jaxtyping("{" ".join(names)}")'
    out = [_IMPORT_JAXTYPING]
    line_map = [1]
    for number, line in enumerate(lines, start=1):
        if number in inserts:
            out.append(inserts[number])
            line_map.append(number)
        out.append(line)
        line_map.append(number)
    return "\n".join(out) + "\n", line_map


_LITERAL = re.compile(r"Literal\[(-?\d+)\]")
_TYPEVAR_INT = re.compile(r'TypeVar\((?P<name>"\w+"), bound=int\)')
_TYPEVAR_SHAPE = re.compile(r'TypeVar\((?P<name>"\w+"), bound=tuple\[int, \.\.\.\]\)')


def typed_form(text: str) -> tuple[str, list[int]]:
    """numpy-typed shapes in Pyrefly's spelling; the import of IntVar added on line 1."""
    tree = ast.parse(text)
    lines = text.splitlines()
    edits: list[tuple[int, int, int, str]] = []  # (line, start col, end col, replacement) on one line
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Subscript) and ast.unparse(node.value) in ("np.ndarray", "ndarray")):
            continue
        args = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        shape = args[0]
        if isinstance(shape, ast.Subscript) and ast.unparse(shape.value) == "tuple":
            if shape.lineno != shape.end_lineno or shape.end_col_offset is None:
                continue
            dims = shape.slice.elts if isinstance(shape.slice, ast.Tuple) else [shape.slice]
            if any(isinstance(dim, ast.Constant) and dim.value is Ellipsis for dim in dims):
                continue  # tuple[int, ...]: any rank, which Pyrefly reads as it is
            spelled = "[" + ", ".join(_LITERAL.sub(r"\1", ast.unparse(dim)) for dim in dims) + "]"
            edits.append((shape.lineno, shape.col_offset, shape.end_col_offset, spelled))
    for line, start, end, new in sorted(edits, key=lambda edit: (edit[0], -edit[1])):
        lines[line - 1] = lines[line - 1][:start] + new + lines[line - 1][end:]
    body = "\n".join(lines)
    body = _TYPEVAR_INT.sub(r"IntVar(\g<name>)", body)
    body = _TYPEVAR_SHAPE.sub(r"TypeVar(\g<name>, bound=IntTuple)", body)
    return _IMPORT_TYPED + "\n" + body + "\n", [1, *range(1, len(lines) + 1)]


TRANSFORMS: dict[str, _checks.Transform] = {"jaxtyping": jaxtyping_form, "typed": typed_form}


def version(python: str) -> str:
    """``pyrefly 1.4.1, numpy 2.5.5`` for the environment of ``python``."""
    script = (
        "import importlib.metadata as m, sys; "
        "print(f\"pyrefly {m.version('pyrefly')} (numpy stubs {m.version('pyrefly-numpy-stubs')}), "
        "Python {sys.version.split()[0]}, numpy {m.version('numpy')}\")"
    )
    result = subprocess.run([python, "-c", script], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"shape_corpus: error: {python} has no pyrefly with its numpy stubs: {result.stderr.strip()}")
    return result.stdout.strip()


def run(python: str, directory: Path, names: list[str], root: Path) -> tuple[dict[str, list[tuple[int, str]]], float]:
    """``{file name: [(line, kind), ...]}`` of Pyrefly's errors over ``directory/NAME.py``, and the seconds."""
    pyrefly = Path(python).parent / "pyrefly"
    config = directory / "pyrefly.toml"
    config.write_text(f'python-interpreter-path = "{python}"\nsearch-path = ["{root}"]\n')
    command = [str(pyrefly), "check", "--config", config.name, "--output-format", "json", "--output", "-"]
    start = time.perf_counter()
    result = subprocess.run([*command, *[f"{n}.py" for n in names]], cwd=directory, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        output = result.stdout[-2000:] + result.stderr[-2000:]
        raise SystemExit(f"shape_corpus: error: pyrefly failed:\n{output}") from None
    errors: dict[str, list[tuple[int, str]]] = {}
    for error in report.get("errors", []):
        if error.get("severity", "error") != "error":
            continue
        name = Path(error["path"]).stem
        errors.setdefault(name, []).append((int(error["line"]), error.get("name", "")))
    return errors, elapsed
