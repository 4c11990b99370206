"""mypy --strict (no plugin) rejects a CNN whose channels do not chain or a dense layer that differs from a declared
flatten width, naming the sizes; a typed LeNet is clean. (The trainer takes any data, so the class count is
checked against the data when a run starts, not by mypy.)

What mypy cannot compute without the plugin, the spatial sizes ``(h + 2p - k) // s + 1``, stays ``Any``
in the types; ``Network`` checks it when the network is built (``tests/test_cnn.py``).
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

SNIPPETS = Path(__file__).parent / "snippets"
ERROR = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): error: (?P<text>.*)  \[(?P<code>[\w-]+)\]$")
MARKER = re.compile(r"# expected error: (?P<kind>\w+)(?P<sizes>( \d+)+)")


@pytest.fixture(scope="module")
def errors(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[int, str, str]]]:
    snippets = ("wrong_cnns.py", "correct_cnns.py")
    empty = tmp_path_factory.mktemp("config") / "mypy.ini"  # no configuration: not the project's plugin settings
    empty.write_text("")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--config-file", str(empty)]
        + [str(SNIPPETS / name) for name in snippets],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).parent.parent,
    )
    assert result.returncode in (0, 1), result.stdout + result.stderr
    found: dict[str, list[tuple[int, str, str]]] = {name: [] for name in snippets}
    for match in map(ERROR.match, result.stdout.splitlines()):
        if match:
            found[Path(match["file"]).name].append((int(match["line"]), match["code"], match["text"]))
    return found


def test_every_marked_cnn_mistake_is_one_arg_type_error_naming_the_sizes(
    errors: dict[str, list[tuple[int, str, str]]],
) -> None:
    lines = (SNIPPETS / "wrong_cnns.py").read_text().splitlines()
    markers = {n: m["sizes"].split() for n, line in enumerate(lines, start=1) if (m := MARKER.search(line))}
    assert len(markers) == 5
    found = errors["wrong_cnns.py"]
    assert sorted(line for line, _, _ in found) == sorted(markers), found
    for line, code, text in found:
        assert code == "arg-type", text
        for size in markers[line]:
            assert f"Literal[{size}]" in text, (line, text)


def test_the_messages_name_the_layer_and_the_shape_it_needed(errors: dict[str, list[tuple[int, str, str]]]) -> None:
    texts = [text for _, _, text in errors["wrong_cnns.py"]]
    assert (
        'Argument 1 to "then" of "Network" has incompatible type "Conv2D[Literal[64], Literal[16]]"; '
        'expected "Layer[tuple[Any, Literal[64], Any, Any], tuple[Any, Literal[64], Any, Any]]"'
    ) in texts
    assert (
        'Argument 1 to "then" of "Network" has incompatible type "Dense[Literal[10], Literal[800]]"; '
        'expected "Layer[tuple[Any, Literal[10]], tuple[Any, Literal[3136]]]"'
    ) in texts
    assert (
        'Argument 2 to "init" of "Conv2D" has incompatible type "Dim[Literal[16]]"; expected "Dim[Literal[32]]"'
        in texts
    )


def test_a_typed_lenet_is_clean(errors: dict[str, list[tuple[int, str, str]]]) -> None:
    assert errors["correct_cnns.py"] == []
