"""The docs stay true to the code: the API reference is regenerated, runnable commands are re-run."""

import importlib.util
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from doc_figures import agrees

ROOT = Path(__file__).parent.parent
MARKER = "<!-- runnable -->"
# What may differ between runs: timings, dates, and digits below the shown precision of tiny errors.
MASKS = (
    (re.compile(r"\d+\.\d+ s\b"), "<seconds> s"),  # padded to the column's width: doc_figures ignores spacing
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00"), "<time>"),
    (re.compile(r"\b\d(?:\.\d+)?e[-+]\d+"), "<small>"),  # 6e-07 as well as 6.1e-07: %.2g prints either
)


def _api_reference() -> str:
    spec = importlib.util.spec_from_file_location("api_reference", ROOT / "scripts" / "api_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text: str = module.render()
    return text


def test_the_api_reference_matches_the_code() -> None:
    assert (ROOT / "docs" / "api.md").read_text() == _api_reference(), "run: python scripts/api_reference.py"


def runnable_blocks(document: Path) -> list[tuple[str, list[str]]]:
    """(command, expected output lines) for each ``$ command`` in blocks marked runnable."""
    lines = document.read_text().splitlines()
    found: list[tuple[str, list[str]]] = []
    for index, line in enumerate(lines):
        if line.strip() != MARKER:
            continue
        block = []
        for inner in lines[index + 2 :]:
            if inner.startswith("```"):
                break
            block.append(inner)
        for inner in block:
            if inner.startswith("$ "):
                found.append((inner[2:], []))
            elif found:
                found[-1][1].append(inner)
    return found


def _normal(line: str) -> str:
    for pattern, replacement in MASKS:
        line = pattern.sub(replacement, line)
    return line.rstrip()


def test_tiny_figures_are_masked_with_or_without_a_decimal_point() -> None:
    # float-check prints its error bounds with %.2g: 6e-07 on one machine, 6.3e-07 on another.
    assert _normal("median 6e-07, largest 9.1e-06; margin 0.0053") == _normal("median 6.3e-07, largest 8e-06; margin 0.0053")
    assert _normal("lr 0.001 | eps 1e-3") != _normal("lr 0.002 | eps 1e-3")


def _run(command: str, workdir: Path) -> tuple[int, str]:
    argv = shlex.split(command, comments=True)
    if argv[0] == "verified-nn":
        argv = [sys.executable, "-m", "verified_nn", *argv[1:]]
    elif argv[0] == "python":  # a reader's python, with the library (and scikit-learn, for the digits) installed
        argv = [sys.executable, *argv[1:]]
    env = {key: value for key, value in os.environ.items() if key != "VERIFIED_NN_DATA_DIR"}
    result = subprocess.run(argv, cwd=workdir, env=env, capture_output=True, text=True, check=False)
    return result.returncode, result.stdout + result.stderr


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory, real_data_dir: Path) -> Path:
    """A reader's working directory: ./data holds the (already fetched) datasets, as in the docs."""
    folder = tmp_path_factory.mktemp("docs")
    (folder / "data").symlink_to(real_data_dir, target_is_directory=True)
    return folder


# In this order: float-check.md checks the CNN that convolutions.md trains; competition.md imports the ONNX file
# that interop.md exports.
DOCUMENTS = [
    ROOT / "README.md",
    *(
        ROOT / "docs" / f"{name}.md"
        for name in ("tutorial", "convolutions", "float-check", "interop", "datasets", "reliability", "competition")
    ),
]
COMMANDS = [(doc, command, expected) for doc in DOCUMENTS for command, expected in runnable_blocks(doc)]


def test_the_documents_mark_commands_to_run() -> None:
    assert sum(doc.name == "tutorial.md" for doc, _, _ in COMMANDS) >= 8
    assert any(doc.name == "README.md" for doc, _, _ in COMMANDS)
    for name in ("convolutions.md", "float-check.md", "interop.md", "datasets.md", "reliability.md", "competition.md"):
        assert any(doc.name == name for doc, _, _ in COMMANDS), name


@pytest.mark.slow
@pytest.mark.parametrize(("document", "command", "expected"), COMMANDS, ids=[f"{d.name}:{c}" for d, c, _ in COMMANDS])
def test_a_documented_command_still_prints_what_the_document_shows(
    document: Path, command: str, expected: list[str], workdir: Path
) -> None:
    status, output = _run(command, workdir)
    shows_an_error = any(line.startswith("verified-nn: error:") for line in expected)
    assert (status != 0) == shows_an_error, f"`{command}` exited with {status}:\n{output}"
    actual = [_normal(line) for line in output.splitlines()]
    position = 0
    for line in (_normal(line) for line in expected):
        if not line.strip() or line.strip() == "...":
            continue
        found = next((index for index in range(position, len(actual)) if agrees(line, actual[index])), None)
        assert found is not None, (
            f"{document.name}: `{command}` no longer prints:\n{line}\n\ngot:\n" + "\n".join(actual)
        )
        position = found + 1
