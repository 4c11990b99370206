"""Run the static shape checkers over the corpus and print caught bugs and false alarms per category.

    python -m benchmarks.shape_corpus                     # mypy + plugin under this interpreter
    python -m benchmarks.shape_corpus --all               # also .venv312 (numpy 2.5) and .venv-pyrefly
    python -m benchmarks.shape_corpus --python .venv312/bin/python --pyrefly .venv-pyrefly/bin/python

mypy runs twice per interpreter, each from an empty cache: default options over every file, and the
plugin's ``strict`` option over the API files. Pyrefly runs once, over each style in the form it reads
(``_pyrefly.py``). ``--keep DIR`` leaves the checked files in DIR to read.
"""

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from . import _cases, _checks, _mypy, _pyrefly, _report, _runtime


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.shape_corpus", description=__doc__.splitlines()[0])
    parser.add_argument("--python", action="append", default=[], help="an interpreter to run mypy under (repeatable)")
    parser.add_argument("--pyrefly", help="the python of an environment with pyrefly and pyrefly-numpy-stubs")
    parser.add_argument("--all", action="store_true", help="this interpreter, .venv312 and .venv-pyrefly if present")
    parser.add_argument("--style", action="append", choices=[*_cases.KERNEL_STYLES, _cases.API], help="only these")
    parser.add_argument("--no-mypy", action="store_true", help="run Pyrefly (or --run-time) only")
    parser.add_argument("--keep", type=Path, help="write the checked files here (kept) instead of a temporary folder")
    parser.add_argument(
        "--run-time", action="store_true", help="also run the plain kernels and API cases: bugs must raise, twins run"
    )
    parser.add_argument("--json", type=Path, help="also write every figure and listed line to this file")
    return parser.parse_args()


def _interpreters(args: argparse.Namespace, root: Path) -> tuple[list[str], str | None]:
    pythons = [os.path.abspath(p) for p in args.python] or [sys.executable]
    pyrefly = None if args.pyrefly is None else os.path.abspath(args.pyrefly)
    if args.all:
        if not args.python:
            pythons = [sys.executable]
        extra = root / ".venv312" / "bin" / "python"
        if extra.exists() and str(extra) not in pythons:
            pythons.append(str(extra))
        candidate = root / ".venv-pyrefly" / "bin" / "python"
        if pyrefly is None and candidate.exists():
            pyrefly = str(candidate)
    return pythons, pyrefly


def _mypy_results(python: str, folder: Path, variants: list[_checks.Variant]) -> _report.Result:
    folder.mkdir(parents=True, exist_ok=True)
    _checks.write(variants, folder)
    names = [variant.name for variant in variants]
    errors, seconds = _mypy.run(python, folder, names, strict=False)
    tallies = _checks.tally(variants, errors)
    api = [variant for variant in variants if variant.source.style == _cases.API]
    if api:
        strict_errors, strict_seconds = _mypy.run(python, folder, [v.name for v in api], strict=True)
        for name, tally in _checks.tally(api, strict_errors).items():
            tallies[name + _report.STRICT] = tally
        seconds += strict_seconds
    return _report.Result(f"mypy + plugin: {_mypy.versions(python)}", tallies, seconds)


def _pyrefly_results(python: str, folder: Path, variants: list[_checks.Variant], root: Path) -> _report.Result:
    folder.mkdir(parents=True, exist_ok=True)
    maps: dict[str, list[int]] = {}
    for style in sorted({variant.source.style for variant in variants}):
        group = [variant for variant in variants if variant.source.style == style]
        maps.update(_checks.write(group, folder, _pyrefly.TRANSFORMS.get(style)))
    raw, seconds = _pyrefly.run(python, folder, [variant.name for variant in variants], root)
    errors = {name: {maps[name][line - 1] for line, _ in found} for name, found in raw.items() if name in maps}
    return _report.Result(f"Pyrefly: {_pyrefly.version(python)}", _checks.tally(variants, errors), seconds)


def main() -> None:
    args = _arguments()
    root = _mypy.project_root()
    pythons, pyrefly = _interpreters(args, root)
    styles = tuple(args.style) if args.style else (*_cases.KERNEL_STYLES, _cases.API)
    try:
        variants = _checks.variants(_cases.sources(styles))
    except _cases.CorpusError as error:
        raise SystemExit(f"shape_corpus: error: {error}") from None
    with tempfile.TemporaryDirectory(prefix="shape-corpus-") as temporary:
        base = args.keep or Path(temporary)
        checked = [] if args.no_mypy else pythons
        results = [_mypy_results(p, base / f"mypy-{i}", variants) for i, p in enumerate(checked)]
        if pyrefly is not None:
            results.append(_pyrefly_results(pyrefly, base / "pyrefly", variants, root))
        if results:
            print(_report.render(results))
        if args.run_time:
            folder = base / "run-time"
            folder.mkdir(parents=True, exist_ok=True)
            _checks.write(variants, folder)
            for python in pythons:
                print("\n" + _runtime.render(_mypy.versions(python), _runtime.run(python, folder, variants)))
    if args.json is not None:
        args.json.write_text(json.dumps([result.as_json() for result in results], indent=1) + "\n")


if __name__ == "__main__":
    main()
