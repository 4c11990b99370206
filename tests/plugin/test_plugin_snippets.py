"""mypy with the shape plugin over the snippet files: every marked error, and nothing else.

A line ending in ``# E: [code] message`` must get exactly that error; every other line none. Files
named ``*_ok.py`` and ``corpus_*.py`` carry no marker: they are correct code (their ``assert_type``
lines check the inferred shapes). ``strict_*.py`` run with the plugin's ``strict`` option.

Two mypy runs cover everything: the default one runs in this process with every rule wrapped, so that
the tests can also show that each rule fired in the correct snippets and reported in the wrong ones;
the strict one runs at the same time in a subprocess.
"""

import re
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from mypy import api as mypy_api

from verified_nn.mypy_plugin import _plugin
from verified_nn.mypy_plugin._calls import CallView, Inferred, Rule, RuleError
from verified_nn.mypy_plugin._sizes import Shape

# This module runs mypy: seconds on a quiet machine, minutes on a loaded one (the quick tests' limit is 120 s).
pytestmark = pytest.mark.timeout(600)

SNIPPETS = Path(__file__).parent / "snippets"
LIBRARY = "shapelib.py"  # the stand-in library module the snippets import
MARK = re.compile(r"#\s*E:\s*\[(?P<code>[\w-]+)\]\s*(?P<text>.*)$")
ERROR = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+): error: (?P<text>.*)  \[(?P<code>[\w-]+)\]$")

# Rules that cannot conflict (they only give a shape), and rules that only ever report: an in-place
# operator keeps its target's type, and ``__rmatmul__`` meets an array only after ``__matmul__`` failed.
NEVER_CONFLICT = {
    "numpy.ndarray.astype",
    "numpy.ndarray.ravel",
    "numpy.ndarray.flatten",
    "numpy._core.fromnumeric.ravel",
    "numpy._typing._ufunc._UFunc_Nin1_Nout1.__call__",
    "numpy._typing._ufunc._UFunc_Nin1_Nout2.__call__",
    "numpy._typing._ufunc._UFunc_Nin2_Nout1.outer",
    "numpy._core.numeric.outer",
    "numpy._core.shape_base.atleast_2d",
    "numpy._core.function_base.linspace",
    "numpy.lib._twodim_base_impl.eye",
    "numpy._core.numeric.identity",
    "numpy.random._generator.Generator.permutation",
    # the same shape, whatever the other arguments
    "numpy._core.fromnumeric.round",
    "numpy.lib._twodim_base_impl.triu",
    "numpy.lib._twodim_base_impl.tril",
}
NEVER_INFER = {"numpy.ndarray.__rmatmul__"} | {
    f"numpy.ndarray.__i{name}__" for name in ("add", "sub", "mul", "truediv", "floordiv", "pow")
}

Error = tuple[int, str, str]


ROOT = Path(__file__).parents[2]  # the snippets that use the library import it from here


def _config(directory: Path, *, strict: bool) -> Path:
    path = directory / ("strict.ini" if strict else "default.ini")
    path.write_text(
        f"[mypy]\nstrict = True\nplugins = verified_nn.mypy_plugin\nmypy_path = {ROOT}\n\n"
        f"[verified_nn.mypy_plugin]\nchecked_modules = verified_nn, shapelib\nstrict = {strict}\n"
    )
    return path


def _parse(stdout: str) -> dict[str, list[Error]]:
    found: dict[str, list[Error]] = defaultdict(list)
    for line in stdout.splitlines():
        match = ERROR.match(line)
        if match:
            found[Path(match["file"]).name].append((int(match["line"]), match["code"], match["text"]))
        else:
            assert ": error:" not in line, f"an error without a code: {line}"
    return found


def expected_errors(name: str) -> list[Error]:
    lines = (SNIPPETS / name).read_text().splitlines()
    return [(n, m["code"], m["text"]) for n, line in enumerate(lines, start=1) if (m := MARK.search(line))]


def snippets(*, strict: bool) -> list[str]:
    return sorted(p.name for p in SNIPPETS.glob("*.py") if p.name != LIBRARY and p.name.startswith("strict_") == strict)


@dataclass
class Results:
    errors: dict[str, list[Error]]
    inferred: dict[str, set[str]]  # rule -> snippet files where it gave a shape
    conflicts: dict[str, set[str]]  # rule -> snippet files where it reported


def _recording(fullname: str, rule: Rule, results: Results) -> Rule:
    def wrapped(view: CallView) -> Inferred | None:
        where = Path(view.api.path).name
        try:
            result = rule(view)
        except RuleError:
            results.conflicts[fullname].add(where)
            raise
        if result is not None and result.shape is not None:
            results.inferred[fullname].add(where)
        return result

    return wrapped


def _recording_attribute(
    fullname: str, transform: Callable[[Shape], Shape | None], results: Results
) -> Callable[[Shape], Shape | None]:
    def wrapped(shape: Shape) -> Shape | None:
        result = transform(shape)
        if result is not None:
            results.inferred[fullname].add("?")
        return result

    return wrapped


@pytest.fixture(scope="session")
def results(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Results]:
    directory = tmp_path_factory.mktemp("plugin-snippets")
    strict_arguments = [
        "--config-file",
        str(_config(directory, strict=True)),
        "--cache-dir",
        str(directory / "cache-strict"),
    ]
    strict = subprocess.Popen(
        [sys.executable, "-m", "mypy", *strict_arguments, *snippets(strict=True), LIBRARY],
        cwd=SNIPPETS,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    recorded = Results({}, defaultdict(set), defaultdict(set))
    with pytest.MonkeyPatch.context() as patch:
        for table in (_plugin.METHOD_RULES, _plugin.FUNCTION_RULES):
            for fullname, rule in list(table.items()):
                patch.setitem(table, fullname, _recording(fullname, rule, recorded))
        for fullname, transform in list(_plugin.ATTRIBUTE_RULES.items()):
            patch.setitem(_plugin.ATTRIBUTE_RULES, fullname, _recording_attribute(fullname, transform, recorded))
        patch.chdir(SNIPPETS)
        config = _config(directory, strict=False)
        arguments = ["--config-file", str(config), "--cache-dir", str(directory / "cache-default")]
        stdout, stderr, status = mypy_api.run([*arguments, *snippets(strict=False), LIBRARY])
    assert status in (0, 1), stdout + stderr
    strict_out, strict_err = strict.communicate(timeout=600)
    assert strict.returncode in (0, 1), strict_out + strict_err
    recorded.errors = _parse(stdout) | _parse(strict_out)
    yield recorded


@pytest.mark.parametrize("snippet", snippets(strict=False) + snippets(strict=True))
def test_snippet_gets_exactly_its_marked_errors(snippet: str, results: Results) -> None:
    assert sorted(results.errors.get(snippet, [])) == expected_errors(snippet)


def test_the_library_stand_in_is_itself_clean(results: Results) -> None:
    assert results.errors.get(LIBRARY, []) == []


def test_correct_snippets_carry_no_marker_and_wrong_ones_have_a_correct_twin() -> None:
    names = set(snippets(strict=False) + snippets(strict=True))
    for name in names:
        if name.endswith("_ok.py") or name.startswith("corpus_"):
            assert expected_errors(name) == [], name
        else:
            assert name.endswith("_wrong.py"), f"{name}: a snippet is *_ok.py, *_wrong.py or corpus_*.py"
            assert expected_errors(name), f"{name} marks no error"
            assert name.replace("_wrong.py", "_ok.py") in names, f"{name} has no correct twin"


def test_plugin_errors_are_one_line_and_name_the_operation(results: Results) -> None:
    shape_errors = [e for errors in results.errors.values() for e in errors if e[1] in ("shape", "shape-unknown")]
    assert len(shape_errors) > 60
    for _, _, text in shape_errors:
        assert "\n" not in text
        # the callee, the operation, or the jaxtyping annotation whose dims string is refused
        assert re.match(r'^("[^"]+"( of "[^"]+")?|[a-z_][a-z_0-9]*( \(in place\))?|[\w.]+\[[^\]]*, "[^"]*"\]): ', text), text


def _numpy_version() -> tuple[int, int]:
    major, minor = np.__version__.split(".")[:2]
    return int(major), int(minor)


def _in_these_stubs(rule: str) -> bool:
    """Whether numpy's installed stubs have the hooked name (some names are of some versions only)."""
    first, after = _plugin.STUB_VERSIONS.get(rule, (None, None))
    version = _numpy_version()
    return (first is None or version >= first) and (after is None or version < after)


def test_version_specific_names_are_hooked_names() -> None:
    rules = set(_plugin.METHOD_RULES) | set(_plugin.FUNCTION_RULES) | set(_plugin.ATTRIBUTE_RULES)
    assert set(_plugin.STUB_VERSIONS) <= rules
    assert any(_in_these_stubs(rule) for rule in _plugin.STUB_VERSIONS)


def _in_correct_snippets(files: set[str]) -> bool:
    return any(not f.endswith("_wrong.py") for f in files)  # attribute rules record "?" for the file


def test_every_rule_gives_a_shape_in_a_correct_snippet(results: Results) -> None:
    rules = {r for r in set(_plugin.METHOD_RULES) | set(_plugin.FUNCTION_RULES) | set(_plugin.ATTRIBUTE_RULES)}
    rules = {rule for rule in rules if _in_these_stubs(rule)}
    silent = sorted(rule for rule in rules - NEVER_INFER if not _in_correct_snippets(results.inferred[rule]))
    assert not silent, f"rules that never gave a shape in a correct snippet: {silent}"


def test_every_rule_that_can_conflict_reports_in_a_wrong_snippet(results: Results) -> None:
    rules = {rule for rule in (set(_plugin.METHOD_RULES) | set(_plugin.FUNCTION_RULES)) - NEVER_CONFLICT}
    rules = {rule for rule in rules if _in_these_stubs(rule)}
    quiet = sorted(rule for rule in rules if not any(f.endswith("_wrong.py") for f in results.conflicts[rule]))
    assert not quiet, f"rules with no wrong snippet: {quiet}"


def test_rules_report_in_correct_snippets_only_where_the_error_is_ignored(results: Results) -> None:
    reported = {rule: files - {"codes_ok.py"} for rule, files in results.conflicts.items()}
    assert not {rule: files for rule, files in reported.items() if _in_correct_snippets(files)}
    assert "codes_ok.py" in results.conflicts["numpy.ndarray.__matmul__"]
