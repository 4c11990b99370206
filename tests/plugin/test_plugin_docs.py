"""docs/static-shapes.md and README's type-safety example stay true.

Each ``<!-- mypy-example -->`` block gives the printed mypy output with the plugin, and nothing without
it (as a user who installed verified-nn runs mypy: the library's own bodies are not reported). The
layer in ``<!-- checked-layer -->`` type-checks with the plugin and runs; changed as the doc says, it
gives the errors printed under ``<!-- checked-layer-errors -->``.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

# This module runs mypy: seconds on a quiet machine, minutes on a loaded one (the quick tests' limit is 120 s).
pytestmark = pytest.mark.timeout(600)

ROOT = Path(__file__).parents[2]
DOCS = [ROOT / "docs" / "static-shapes.md", ROOT / "README.md"]
EXAMPLE = re.compile(r"<!-- mypy-example -->\n```python\n(?P<code>.*?)```\n\n```text\n(?P<output>.*?)```", re.S)
EXAMPLES = [
    pytest.param(m["code"], m["output"], id=f"{doc.name}:{number}")
    for doc in DOCS
    for number, m in enumerate(EXAMPLE.finditer(doc.read_text()), start=1)
]
LAYER_DOC = (ROOT / "docs" / "static-shapes.md").read_text()
LAYER = re.search(r"<!-- checked-layer -->\n```python\n(?P<code>.*?)```", LAYER_DOC, re.S)
LAYER_ERRORS = re.search(r"<!-- checked-layer-errors -->\n```text\n(?P<output>.*?)```", LAYER_DOC, re.S)
# The two changes the doc describes: the bias gradient over the other axis, and a Scale of 128 features.
LAYER_CHANGES = [
    ("d_beta: np.ndarray[tuple[W], Floats] = dy.sum(axis=0)", "d_beta: np.ndarray[tuple[W], Floats] = dy.sum(axis=1)"),
    (
        ".then(Scale(np.ones(256, np.float32), np.zeros(256, np.float32)))",
        ".then(Scale(np.ones(128, np.float32), np.zeros(128, np.float32)))",
    ),
]


def _mypy(directory: Path, name: str, code: str, *, plugin: bool) -> list[str]:
    (directory / name).write_text(code)
    config = directory / "mypy.ini"
    lines = ["[mypy]", "strict = True", f"mypy_path = {ROOT}"]
    lines += ["plugins = verified_nn.mypy_plugin"] if plugin else ["[mypy-verified_nn.*]", "ignore_errors = True"]
    config.write_text("\n".join(lines) + "\n")
    command = [sys.executable, "-m", "mypy", "--config-file", str(config), "--cache-dir", str(directory / "cache")]
    result = subprocess.run([*command, name], cwd=directory, capture_output=True, text=True, check=False)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    return [line for line in result.stdout.splitlines() if not line.startswith("Success")]


def test_the_docs_have_examples() -> None:
    assert len(EXAMPLES) == 3
    assert LAYER is not None and LAYER_ERRORS is not None


@pytest.mark.parametrize(("code", "output"), EXAMPLES)
def test_the_example_gives_the_output_printed_in_the_doc(code: str, output: str, tmp_path: Path) -> None:
    assert _mypy(tmp_path, "example.py", code, plugin=True) == output.splitlines()


@pytest.mark.parametrize(("code", "output"), EXAMPLES)
def test_without_the_plugin_mypy_finds_nothing_wrong_in_the_example(code: str, output: str, tmp_path: Path) -> None:
    assert not [line for line in _mypy(tmp_path, "example.py", code, plugin=False) if ": error:" in line]


def test_the_layer_in_the_doc_type_checks_and_runs(tmp_path: Path) -> None:
    assert LAYER is not None
    assert _mypy(tmp_path, "layer.py", LAYER["code"], plugin=True) == []
    result = subprocess.run([sys.executable, "layer.py"], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_the_layer_changed_as_the_doc_says_gives_the_errors_it_prints(tmp_path: Path) -> None:
    assert LAYER is not None and LAYER_ERRORS is not None
    code = LAYER["code"]
    for line, wrong in LAYER_CHANGES:
        assert code.count(line) == 1
        code = code.replace(line, wrong)
    found = _mypy(tmp_path, "layer.py", code, plugin=True)
    assert [line for line in found if ": error:" in line] == LAYER_ERRORS["output"].splitlines()


README_LIBRARY = re.search(r"## The library\n.*?```python\n(?P<code>.*?)```", (ROOT / "README.md").read_text(), re.S)
# README's sentence after its first library example: the call that both checkers refuse, and what each says.
README_WRONG_CALL = "accuracy(images, labels[:32])"
README_RUN_TIME = "ShapeError: accuracy: argument 'labels' expected Integer[ndarray, 'batch'], got int64[32]"
README_MYPY = '"accuracy": size batch differs between arguments: 64 (images: (64, 784)) and 32 (labels: (32,))'


def test_readmes_first_library_example_uses_jaxtyping_runs_and_type_checks(tmp_path: Path) -> None:
    assert README_LIBRARY is not None
    code = README_LIBRARY["code"]
    assert "from jaxtyping import" in code
    assert _mypy(tmp_path, "example.py", code, plugin=True) == []
    result = subprocess.run([sys.executable, "example.py"], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_readmes_wrong_call_is_refused_by_both_checkers_as_it_says(tmp_path: Path) -> None:
    assert README_LIBRARY is not None
    readme = " ".join((ROOT / "README.md").read_text().split())
    assert all(text in readme for text in (README_WRONG_CALL, README_RUN_TIME, README_MYPY))
    code = README_LIBRARY["code"] + README_WRONG_CALL + "\n"
    found = _mypy(tmp_path, "example.py", code, plugin=True)
    assert [line.split(": error: ")[-1] for line in found if ": error:" in line] == [f"{README_MYPY}  [shape]"]
    result = subprocess.run([sys.executable, "example.py"], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert README_RUN_TIME in result.stderr
