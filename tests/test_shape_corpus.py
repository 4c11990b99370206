"""The shape-corpus benchmark counts what it claims: a caught bug as caught, a missed one as missed.

One mypy run (with the plugin, from an empty cache) over a two-kernel corpus written here: one bug
the plugin reports (a matmul of mismatched literal sizes) and one it cannot (softmax normalised over
the batch keeps every shape). The tally must say 1 of 2 caught and name the missed line; the run-time
check must say the shape-keeping "bug" runs without an error, so it would be flagged as no shape bug.
"""

import sys
from pathlib import Path

import pytest

from benchmarks.shape_corpus import _cases, _checks, _mypy, _runtime

KERNELS = '''\
import numpy as np


def logits() -> float:
    x = np.ones((64, 784))
    w = np.ones((10, 784))
    return float((x @ w).sum())  # BUG matmul FIX: return float((x @ w.T).sum())


def probabilities() -> float:
    e = np.exp(np.ones((64, 10)))
    return float((e / e.sum(axis=0, keepdims=True)).sum())  # BUG over_batch FIX: return float((e / e.sum(axis=1, keepdims=True)).sum())
'''

API_WRONG = '''\
def first() -> None:
    int("a")  # BUG


def second() -> None:
    int("b")  # BUG
'''

API_OK = '''\
def fine() -> None:
    int("1")  # OK
'''


def _corpus(root: Path) -> list[_cases.Source]:
    (root / "kernels" / "plain").mkdir(parents=True)
    (root / "kernels" / "plain" / "case.py").write_text(KERNELS)
    (root / "api").mkdir()
    (root / "api" / "calls_wrong.py").write_text(API_WRONG)
    (root / "api" / "calls_ok.py").write_text(API_OK)
    return _cases.sources(("plain", _cases.API), root=root)


def test_markers_give_one_variant_per_bug_and_a_correct_twin(tmp_path: Path) -> None:
    variants = _checks.variants(_corpus(tmp_path))
    names = sorted(variant.name for variant in variants)
    assert names == [
        "api__calls_ok",
        "api__calls_wrong",
        "plain__case__bug_matmul",
        "plain__case__bug_over_batch",
        "plain__case__ok",
    ]
    by_name = {variant.name: _checks.text_of(variant) for variant in variants}
    assert "(x @ w).sum()" in by_name["plain__case__bug_matmul"]
    assert "axis=1" in by_name["plain__case__bug_matmul"]  # the other bug fixed
    assert "(x @ w.T)" in by_name["plain__case__ok"] and "axis=1" in by_name["plain__case__ok"]


def test_mypy_run_counts_a_caught_bug_as_caught_and_a_missed_one_as_missed(tmp_path: Path) -> None:
    variants = [v for v in _checks.variants(_corpus(tmp_path / "corpus")) if v.source.style == "plain"]
    folder = tmp_path / "checked"
    folder.mkdir()
    _checks.write(variants, folder)
    errors, _ = _mypy.run(sys.executable, folder, [v.name for v in variants], strict=False)
    tally = _checks.tally(variants, errors)["plain"]
    assert (tally.bugs, tally.caught, tally.correct, tally.false_alarms) == (2, 1, 2, 0)
    assert tally.misses == ["kernels/plain/case.py:12"]


def test_tally_counts_misses_and_false_alarms_of_api_files(tmp_path: Path) -> None:
    variants = [v for v in _checks.variants(_corpus(tmp_path)) if v.source.style == _cases.API]
    tally = _checks.tally(variants, {"api__calls_wrong": {2, 9}, "api__calls_ok": {2}})["api: calls"]
    assert (tally.bugs, tally.caught, tally.misses) == (2, 1, ["api/calls_wrong.py:6"])
    assert (tally.correct, tally.false_alarms, tally.alarms) == (1, 1, ["api/calls_ok.py:2"])
    assert tally.stray == 1  # line 9: an error in a wrong file that is no marked call


def test_run_time_check_flags_a_bug_that_numpy_accepts(tmp_path: Path) -> None:
    variants = _checks.variants(_corpus(tmp_path / "corpus"))
    folder = tmp_path / "run"
    folder.mkdir()
    _checks.write(variants, folder)
    tallies = _runtime.run(sys.executable, folder, variants)
    plain, api = tallies["plain"], tallies["api: calls"]
    assert (plain.bugs, plain.raised, plain.correct, plain.ran) == (2, 1, 2, 2)
    assert plain.failures == ["kernels/plain/case.py:12: the planted bug runs without an error"]
    assert (api.bugs, api.raised, api.correct, api.ran, api.failures) == (2, 2, 1, 1, [])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x = 1  # BUG\n", "without a FIX"),
        ("x = 1  # BUG a FIX: x = 2\ny = 1  # BUG b FIX: y = 2\nz = 1  # BUG a FIX: z = 2\n", "a second BUG 'a'"),
        ("x = 1  # FIX b: x = 2\ny = 1  # BUG a FIX: y = 2\n", "FIX 'b' without a BUG"),
        ("x = 1  # BUG FIX: x = 2\ny = 1  # BUG b FIX: y = 2\n", "each needs a label"),
    ],
)
def test_malformed_markers_are_refused(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "kernels" / "plain").mkdir(parents=True)
    (tmp_path / "kernels" / "plain" / "bad.py").write_text(text)
    with pytest.raises(_cases.CorpusError, match=message):
        _cases.sources(("plain",), root=tmp_path)
