"""A pytest plugin for ``verified-nn verify``: records each property's docstring, outcome and the
number of Hypothesis test cases, and writes them as JSON to $VERIFIED_NN_VERIFY_REPORT; prints one
progress line per finished test file to standard error as the suite runs."""

import collections
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from hypothesis.internal.observability import add_observability_callback

from verified_nn.files import write_output

from ._profiles import load_profile
from ._verify import REPORT_VARIABLE

_rows: dict[str, dict[str, str]] = {}
_examples: collections.Counter[str] = collections.Counter()
_left: collections.Counter[str] = collections.Counter()  # test file -> properties not finished yet
_started: dict[str, float] = {}  # test file -> when its first property started
_config: Any = None


def _observe(observation: Any) -> None:
    if getattr(observation, "type", None) == "test_case" and observation.status != "gave_up":
        _examples[str(observation.property)] += 1


add_observability_callback(_observe)
load_profile()


def pytest_configure(config: Any) -> None:
    global _config
    _config = config


def _file(nodeid: str) -> str:
    return nodeid.split("::")[0]


def pytest_collection_modifyitems(items: list[Any]) -> None:
    for item in items:
        _left[_file(item.nodeid)] += 1
        doc = (getattr(item, "obj", None).__doc__ or "").strip().splitlines()
        module = Path(str(item.fspath)).stem.removeprefix("test_").removesuffix("_properties")
        _rows[item.nodeid] = {
            "name": f"{module}::{item.name}",
            "function": item.name,
            "establishes": doc[0] if doc else "",
            "result": "not run",
        }


def pytest_runtest_logreport(report: Any) -> None:
    row = _rows.get(report.nodeid)
    if row is None:
        return
    if report.failed:
        row["result"] = "FAILED"
    elif report.when == "call" and row["result"] != "FAILED":
        row["result"] = "passed" if report.passed else "skipped"


def pytest_runtest_logstart(nodeid: str) -> None:
    _started.setdefault(_file(nodeid), time.perf_counter())


def _progress(line: str) -> None:
    """Write ``line`` to the real standard error, around pytest's output capturing."""
    capture = _config.pluginmanager.getplugin("capturemanager") if _config is not None else None
    if capture is None:
        sys.stderr.write(line + "\n")
        return
    with capture.global_and_fixture_disabled():
        sys.stderr.write(line + "\n")
        sys.stderr.flush()


def pytest_runtest_logfinish(nodeid: str) -> None:
    name = _file(nodeid)
    _left[name] -= 1
    if _left[name] > 0:
        return
    rows = [row for key, row in _rows.items() if _file(key) == name]
    passed = sum(row["result"] == "passed" for row in rows)
    failed = sum(row["result"] == "FAILED" for row in rows)
    seconds = time.perf_counter() - _started.get(name, time.perf_counter())
    _progress(f"  {name}: {passed} passed, {failed} failed ({seconds:.1f} s)")


def pytest_sessionfinish() -> None:
    for nodeid, row in _rows.items():
        # Under pytest Hypothesis names a property by its node id; elsewhere by its function name.
        row["examples"] = str(_examples.get(nodeid, 0) or _examples.get(row["function"], 0))
    target = os.environ.get(REPORT_VARIABLE)
    if target:
        write_output(target, json.dumps(list(_rows.values())).encode("utf-8"))
