"""The corpus checked against numpy itself: every planted bug must fail when run, every correct twin must run.

Plain-numpy kernels and API cases are functions without parameters, so they can be called. A buggy
variant passes this check when the function holding its marked line raises (numpy's or the library's
shape check) and every other function of the file runs; a correct file passes when all its functions
run. This is what keeps the corpus honest: a "bug" that numpy accepts is not a shape bug, and a
"correct" case that fails is not correct. Kernels with array parameters (jaxtyping, library, typed
styles) are not run: they have no arguments to be called with.
"""

import ast
import dataclasses
import json
import subprocess
from pathlib import Path

from ._cases import API
from ._checks import Variant

RUNNABLE = ("plain", API)

# Run in the interpreter being measured: call every top-level function without parameters of each file
# and print {file: {function: exception class name or null}}.
_SCRIPT = """
import inspect, json, sys, types, warnings
import numpy as np
warnings.simplefilter("ignore")
np.seterr(all="ignore")
found = {}
for path in json.load(sys.stdin):
    module = types.ModuleType("corpus_case")
    exec(compile(open(path).read(), path, "exec"), module.__dict__)
    calls = found.setdefault(path, {})
    for name, value in vars(module).items():
        if isinstance(value, types.FunctionType) and value.__module__ == "corpus_case":
            if inspect.signature(value).parameters:
                continue
            try:
                value()
                calls[name] = None
            except Exception as error:
                calls[name] = type(error).__name__
print(json.dumps(found))
"""


@dataclasses.dataclass
class RunTally:
    """One category at run time: planted bugs that raise, correct functions that run, and the exceptions."""

    bugs: int = 0
    raised: int = 0
    correct: int = 0
    ran: int = 0
    failures: list[str] = dataclasses.field(default_factory=list)


def _spans(text: str) -> dict[str, tuple[int, int]]:
    """The first and last line of each top-level function."""
    tree = ast.parse(text)
    return {
        node.name: (node.lineno, node.end_lineno or node.lineno)
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
    }


def run(python: str, directory: Path, variants: list[Variant]) -> dict[str, RunTally]:
    """Per category, how the runnable variants (already written to ``directory``) behave under ``python``."""
    chosen = [variant for variant in variants if variant.source.style in RUNNABLE]
    paths = [str(directory / f"{variant.name}.py") for variant in chosen]
    result = subprocess.run(
        [python, "-c", _SCRIPT], input=json.dumps(paths), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"shape_corpus: error: running the corpus failed:\n{result.stderr[-3000:]}")
    found: dict[str, dict[str, str | None]] = json.loads(result.stdout)
    tallies: dict[str, RunTally] = {}
    for variant, path in zip(chosen, paths, strict=True):
        source = variant.source
        tally = tallies.setdefault(source.category, RunTally())
        calls = found[path]
        spans = _spans(Path(path).read_text())
        if not variant.buggy:
            for name, error in calls.items():
                tally.correct += 1
                if error is None:
                    tally.ran += 1
                else:
                    tally.failures.append(f"{source.path}: {name}() raises {error} in its correct form")
            continue
        lines = source.bugs.values() if source.style == API else [source.bugs[variant.label or ""]]
        for line in lines:
            tally.bugs += 1
            holder = next((name for name, (first, last) in spans.items() if first <= line <= last), None)
            if holder is not None and calls.get(holder) is not None:
                tally.raised += 1
            else:
                tally.failures.append(f"{source.path}:{line}: the planted bug runs without an error")
    return tallies


def render(python: str, tallies: dict[str, RunTally]) -> str:
    """A short table: per category, planted bugs that raise and correct functions that run; then each failure."""
    out = [f"Run time, {python}: planted bugs that raise / correct functions that run"]
    for name in sorted(tallies):
        tally = tallies[name]
        out.append(f"  {name:<20} {tally.raised:>3}/{tally.bugs:<3} raise   {tally.ran:>3}/{tally.correct:<3} run")
    failures = [failure for name in sorted(tallies) for failure in tallies[name].failures]
    out += [f"  corpus cases that are not what they claim ({len(failures)}):", *[f"    {f}" for f in failures]]
    return "\n".join(out)
