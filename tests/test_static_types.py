"""mypy --strict rejects a composition, an input width or a batch size that disagree, naming both sizes.

The way Lean rejects ``Float^[100]`` where ``Float^[784]`` is expected: the snippets in ``tests/snippets/``
are checked by mypy in a subprocess, and every marked line must give exactly one error of code
``arg-type`` whose message names the sizes listed in its marker.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

SNIPPETS = Path(__file__).parent / "snippets"
ERROR = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): error: (?P<text>.*)  \[(?P<code>[\w-]+)\]$")
MARKER = re.compile(r"# expected error: (?P<kind>\w+)(?P<sizes>( \d+)+)")


# mypy alone, as a user who installed verified-nn runs it: the library's own bodies, which type-check with
# the shape plugin (docs/static-shapes.md), are not checked, as mypy does not check installed packages.
CONFIG = "[mypy]\nstrict = True\n\n[mypy-verified_nn.*]\nignore_errors = True\n"


def _mypy(*snippets: str, config: Path) -> dict[str, list[tuple[int, str, str]]]:
    config.write_text(CONFIG)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--no-incremental",
            "--config-file",
            str(config),
            *(str(SNIPPETS / s) for s in snippets),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).parent.parent,
    )
    assert result.returncode in (0, 1), result.stdout + result.stderr
    found: dict[str, list[tuple[int, str, str]]] = {snippet: [] for snippet in snippets}
    for match in map(ERROR.match, result.stdout.splitlines()):
        if match:
            found[Path(match["file"]).name].append((int(match["line"]), match["code"], match["text"]))
    return found


@pytest.fixture(scope="module")
def errors(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[int, str, str]]]:
    config = tmp_path_factory.mktemp("static-types") / "mypy.ini"
    return _mypy("wrong_networks.py", "correct_networks.py", config=config)


def _markers(snippet: str) -> dict[int, list[str]]:
    lines = (SNIPPETS / snippet).read_text().splitlines()
    return {number: m["sizes"].split() for number, line in enumerate(lines, start=1) if (m := MARKER.search(line))}


def test_every_marked_mistake_is_one_arg_type_error_naming_the_sizes(
    errors: dict[str, list[tuple[int, str, str]]],
) -> None:
    markers = _markers("wrong_networks.py")
    assert len(markers) == 5
    found = errors["wrong_networks.py"]
    assert sorted(line for line, _, _ in found) == sorted(markers), found
    for line, code, text in found:
        assert code == "arg-type", text
        for size in markers[line]:
            assert f"Literal[{size}]" in text, (line, text)


def test_the_composition_message_names_the_layer_and_the_width_it_needed(
    errors: dict[str, list[tuple[int, str, str]]],
) -> None:
    texts = [text for _, _, text in errors["wrong_networks.py"]]
    assert (
        'Argument 1 to "then" of "Network" has incompatible type "Dense[Literal[10], Literal[100]]"; '
        'expected "Layer[tuple[Any, Literal[10]], tuple[Any, Literal[128]]]"'
    ) in texts
    assert (
        'Argument 2 to "init" of "Dense" has incompatible type "Dim[Literal[100]]"; expected "Dim[Literal[128]]"'
        in texts
    )
    assert any(
        '"labelled" of "Unlabelled"' in text and "Literal[32]" in text and "Literal[64]" in text for text in texts
    )


def test_correct_networks_of_two_three_and_four_layers_are_clean(errors: dict[str, list[tuple[int, str, str]]]) -> None:
    assert errors["correct_networks.py"] == []
