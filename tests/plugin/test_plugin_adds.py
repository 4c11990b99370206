"""What the plugin adds: mypy alone, as a user who installed verified-nn runs it, on the same snippets.

Every mistake marked in these files is found with the plugin (``test_plugin_snippets.py``) and by
none of mypy alone: numpy's stubs type ``rng.random((64, 100))`` with an unknown shape, ``W.T`` as
keeping ``W``'s shape, and a size shared by two arguments is solved to ``int``. ``Dim(784)`` is a
``Dim[int]`` to mypy alone and a ``Dim[Literal[784]]`` with the plugin.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

# This module runs mypy: seconds on a quiet machine, minutes on a loaded one (the quick tests' limit is 120 s).
pytestmark = pytest.mark.timeout(600)

ROOT = Path(__file__).parents[2]
SNIPPETS = Path(__file__).parent / "snippets"
MARK = re.compile(r"#\s*E:\s*\[(?P<code>[\w-]+)\]")
ERROR = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): error: (?P<text>.*)  \[(?P<code>[\w-]+)\]$")
WRONG = [
    "network_caller_wrong.py",
    "library_shared_wrong.py",
    "dims_wrong.py",
    "caller_wrong.py",
    "shared_wrong.py",
    "jaxtyping_wrong.py",
    "wayin_wrong.py",
    "dtypes_wrong.py",
    "trees_wrong.py",
    "normalize_wrong.py",
]
REVEALS = """\
from typing import Final
import numpy as np
from verified_nn.core import Dim
from verified_nn.layers import Dense
WIDTH: Final = 784
reveal_type(Dim(784))
reveal_type(Dim(WIDTH))
reveal_type(Dense.init(128, 784, rng=np.random.default_rng(0)))
"""


def _mypy(directory: Path, files: list[str], *, plugin: bool) -> list[str]:
    config = directory / ("plugin.ini" if plugin else "alone.ini")
    lines = ["[mypy]", "strict = True", f"mypy_path = {ROOT}"]
    lines += ["plugins = verified_nn.mypy_plugin"] if plugin else ["[mypy-verified_nn.*]", "ignore_errors = True"]
    config.write_text("\n".join(lines) + "\n")
    command = [sys.executable, "-m", "mypy", "--config-file", str(config), "--cache-dir", str(directory / config.stem)]
    result = subprocess.run([*command, *files], cwd=directory, capture_output=True, text=True, check=False)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return result.stdout.splitlines()


@pytest.fixture(scope="module")
def alone(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[int, str]]]:
    directory = tmp_path_factory.mktemp("alone")
    for name in [*WRONG, "shapelib.py"]:
        (directory / name).write_text((SNIPPETS / name).read_text())
    found: dict[str, list[tuple[int, str]]] = {name: [] for name in WRONG}
    for match in map(ERROR.match, _mypy(directory, WRONG, plugin=False)):
        if match and match["file"] in found:
            found[match["file"]].append((int(match["line"]), match["code"]))
    return found


@pytest.mark.parametrize("snippet", WRONG)
def test_mypy_alone_finds_none_of_the_marked_mistakes(snippet: str, alone: dict[str, list[tuple[int, str]]]) -> None:
    lines = (SNIPPETS / snippet).read_text().splitlines()
    marked = {(number, m["code"]) for number, line in enumerate(lines, start=1) if (m := MARK.search(line))}
    assert marked
    assert not marked & set(alone[snippet])
    # What mypy alone reports instead is that it cannot infer a type (W.T's sizes are unknown to it), or
    # that a product of arrays is Any (numpy's stubs type ``x.T @ dy`` so) where an array is returned.
    assert all(code in ("var-annotated", "no-any-return") for _, code in alone[snippet]), alone[snippet]


def test_sizes_written_once_are_literal_with_the_plugin_and_int_without(tmp_path: Path) -> None:
    (tmp_path / "reveals.py").write_text(REVEALS)
    revealed = {
        plugin: [
            line.split("Revealed type is ")[1]
            for line in _mypy(tmp_path, ["reveals.py"], plugin=plugin)
            if "Revealed" in line
        ]
        for plugin in (False, True)
    }
    assert revealed[False] == [
        '"verified_nn.core._dims.Dim[int]"',
        '"verified_nn.core._dims.Dim[int]"',
        '"verified_nn.layers._dense.Dense[int, int]"',
    ]
    assert revealed[True] == [
        '"verified_nn.core._dims.Dim[Literal[784]]"',
        '"verified_nn.core._dims.Dim[Literal[784]]"',
        '"verified_nn.layers._dense.Dense[Literal[128], Literal[784]]"',
    ]


PEP_695 = """\
import numpy as np
from jaxtyping import Float
type Images = Float[np.ndarray, "batch 784"]
def width(x: Images) -> None:
    reveal_type(x)
width(np.zeros((3, 100)))
"""


def test_a_pep_695_type_alias_holds_its_shape_as_an_assignment_alias_does(tmp_path: Path) -> None:
    # It was read as an array of unknown shape: width(np.zeros((3, 100))) passed unchecked. mypy reads
    # the statement when it targets Python 3.12, whatever Python runs it.
    (tmp_path / "aliases.py").write_text(PEP_695)
    lines = _mypy(tmp_path, ["--python-version", "3.12", "aliases.py"], plugin=True)
    assert 'aliases.py:5: note: Revealed type is "numpy.ndarray[tuple[batch, Literal[784]], ' in "\n".join(lines)
    assert any(line.startswith("aliases.py:6: error: Argument 1 to \"width\" has incompatible type") for line in lines)
