"""``verified-nn verify``: run the property suite and print one row per property and a summary."""

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import verified_nn
from verified_nn.core import InvalidArgumentError

# Where the pytest plugin (_verify_plugin, which needs the dev tools) writes its report. Kept here so
# that importing the command line never imports Hypothesis or pytest.
REPORT_VARIABLE = "VERIFIED_NN_VERIFY_REPORT"


def suite_path(option: Path | None) -> Path:
    """The properties/ directory: the option, ./properties, or the one beside the package's source."""
    candidates = [option] if option else [Path("properties"), Path(verified_nn.__file__).parent.parent / "properties"]
    for candidate in candidates:
        if candidate is not None and candidate.is_dir():
            return candidate
    raise InvalidArgumentError("no properties/ directory found: run from a source checkout or pass --path DIR")


def add_parser(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser("verify", help="run the property suite and print what each property checked")
    parser.add_argument("--profile", choices=("ci", "thorough"), default="ci", help="Hypothesis profile (default ci)")
    parser.add_argument("--path", type=Path, default=None, help="the properties/ directory (default: found)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("pytest") is None or importlib.util.find_spec("hypothesis") is None:
        raise InvalidArgumentError("verify needs pytest and hypothesis: pip install -e '.[dev]'")
    suite = suite_path(args.path)
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        env = {**os.environ, "HYPOTHESIS_PROFILE": args.profile, REPORT_VARIABLE: str(report)}
        command = [
            sys.executable,
            "-m",
            "pytest",
            str(suite),
            "--rootdir",  # progress lines name files as SUITE/test_x.py, wherever the command runs from
            str(suite.resolve().parent),
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "verified_nn.cli._verify_plugin",
        ]
        start = time.perf_counter()
        # Standard error is inherited: the plugin prints a line there as each test file finishes.
        print(f"running {suite} (Hypothesis profile {args.profile}): a line per finished file", file=sys.stderr)
        result = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, check=False)
        seconds = time.perf_counter() - start
        rows = json.loads(report.read_text()) if report.exists() else []
    width = max((len(row["name"]) for row in rows), default=8)
    print(f"verification suite {suite} (Hypothesis profile {args.profile})")
    print(f"  {'result':<7} {'examples':>8}  {'property':<{width}}  establishes")
    for row in rows:
        print(f"  {row['result']:<7} {row['examples']:>8}  {row['name']:<{width}}  {row['establishes']}")
    passed = sum(row["result"] == "passed" for row in rows)
    failed = sum(row["result"] == "FAILED" for row in rows)
    examples = sum(int(row["examples"]) for row in rows)
    print(f"{len(rows)} properties: {passed} passed, {failed} failed; {examples} examples in {seconds:.1f} s")
    if result.returncode != 0:
        print(result.stdout[-6000:])
    return 0 if result.returncode == 0 and rows and failed == 0 else 1
