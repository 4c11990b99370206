"""A pytest plugin for ``verified-nn verify``: records each property's docstring, outcome and the
number of Hypothesis test cases, and writes them as JSON to $VERIFIED_NN_VERIFY_REPORT."""

import collections
import json
import os
from pathlib import Path
from typing import Any

from hypothesis.internal.observability import add_observability_callback

from ._profiles import load_profile
from ._verify import REPORT_VARIABLE

_rows: dict[str, dict[str, str]] = {}
_examples: collections.Counter[str] = collections.Counter()


def _observe(observation: Any) -> None:
    if getattr(observation, "type", None) == "test_case" and observation.status != "gave_up":
        _examples[str(observation.property)] += 1


add_observability_callback(_observe)
load_profile()


def pytest_collection_modifyitems(items: list[Any]) -> None:
    for item in items:
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


def pytest_sessionfinish() -> None:
    for nodeid, row in _rows.items():
        # Under pytest Hypothesis names a property by its node id; elsewhere by its function name.
        row["examples"] = str(_examples.get(nodeid, 0) or _examples.get(row["function"], 0))
    target = os.environ.get(REPORT_VARIABLE)
    if target:
        Path(target).write_text(json.dumps(list(_rows.values())))
