"""mypy with the project's shape plugin over the written variants: one run per configuration.

The configuration is what a new user writes: mypy's default options and ``plugins =
verified_nn.mypy_plugin``, and for the second run the plugin's ``strict`` option as well. Each run
starts from an empty cache, so a changed plugin is always the one measured.
"""

import re
import shutil
import subprocess
import time
from pathlib import Path

from . import _cases

_ERROR = re.compile(r"^(?P<file>[^:\s]+)\.py:(?P<line>\d+): error: ")
_CONFIG = """[mypy]
plugins = verified_nn.mypy_plugin
{extra}"""
STRICT = "\n[verified_nn.mypy_plugin]\nstrict = True\n"


def versions(python: str) -> str:
    """``Python 3.12.1, numpy 2.5.5, mypy 2.4.1`` for the interpreter ``python``."""
    script = (
        "import sys, numpy, mypy.version; "
        "print(f'Python {sys.version.split()[0]}, numpy {numpy.__version__}, mypy {mypy.version.__version__}')"
    )
    result = subprocess.run([python, "-c", script], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"shape_corpus: error: {python} cannot run mypy and numpy: {result.stderr.strip()}")
    return result.stdout.strip()


def run(python: str, directory: Path, names: list[str], *, strict: bool) -> tuple[dict[str, set[int]], float]:
    """``{file name: error lines}`` from one mypy run over ``directory/NAME.py``, and the seconds it took."""
    config = directory / ("mypy-strict.ini" if strict else "mypy.ini")
    config.write_text(_CONFIG.format(extra=STRICT if strict else ""))
    cache = directory / (".cache-strict" if strict else ".cache")
    shutil.rmtree(cache, ignore_errors=True)  # an empty cache: a --keep folder's old one must not answer
    command = [
        python,
        "-m",
        "mypy",
        "--config-file",
        config.name,
        "--cache-dir",
        cache.name,
        "--no-error-summary",
        "--hide-error-context",
        "--no-pretty",
        "--no-color-output",
        *[f"{name}.py" for name in names],
    ]
    start = time.perf_counter()
    result = subprocess.run(command, cwd=directory, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode not in (0, 1):
        output = result.stdout[-3000:] + result.stderr[-3000:]
        raise SystemExit(f"shape_corpus: error: mypy failed ({python}):\n{output}")
    errors: dict[str, set[int]] = {}
    for line in result.stdout.splitlines():
        if (match := _ERROR.match(line)) is not None:
            errors.setdefault(match["file"], set()).add(int(match["line"]))
    return errors, elapsed


def project_root() -> Path:
    """The project's root folder (where ``verified_nn`` is)."""
    return _cases.ROOT.parent.parent
