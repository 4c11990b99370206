"""Summaries: what each count means, the table's lines, and the JSON record."""

import json
from fractions import Fraction

from verified_nn.certify import ImageResult, as_json, format_table, summarize


def _result(index: int, status: str, decided_by: str = "") -> ImageResult:
    return ImageResult(
        index=index,
        label=1,
        predicted=1,
        status=status,
        decided_by=decided_by,
        margin_bound=0.5,
        float_error=1e-3,
        attack_margin=1.0,
        unstable=3,
        complete_seconds=0.0,
        seconds=0.1,
    )


RESULTS = [
    _result(0, "verified", "ibp"),
    _result(1, "verified", "bab"),
    _result(2, "counterexample", "attack"),
    _result(3, "counterexample", "bab"),
    _result(4, "misclassified", "clean"),
    _result(5, "timeout"),
    _result(6, "float-undecided"),
    _result(7, "verified", "crown"),
]


def test_the_summary_bounds_robust_accuracy_from_both_sides() -> None:
    summary = summarize(RESULTS, method="complete", eps=Fraction(2, 255), seconds=3.0)
    assert summary.clean_accuracy == 7 / 8
    assert summary.certified_accuracy == 3 / 8  # verified
    assert summary.upper_bound == 5 / 8  # correct minus confirmed counterexamples
    assert summary.exact is None  # a timeout and a float-undecided image are open
    assert (summary.by_attack, summary.by_search, summary.timeouts, summary.float_undecided) == (1, 1, 1, 1)


def test_the_exact_robust_accuracy_is_given_only_when_every_image_is_decided_by_the_complete_method() -> None:
    decided = [r for r in RESULTS if r.status not in ("timeout", "float-undecided")]
    assert summarize(decided, method="complete", eps=Fraction(1, 10), seconds=1.0).exact == 3 / 6
    assert summarize(decided, method="crown", eps=Fraction(1, 10), seconds=1.0).exact is None


def test_the_table_names_every_figure() -> None:
    table = format_table(summarize(RESULTS, method="complete", eps=Fraction(2, 255), seconds=3.0))
    assert table.splitlines() == [
        "certify: 8 examples, eps 2/255 = 0.00784314, inputs in [0, 1], method complete",
        "  clean accuracy              87.50%  (7/8)",
        "  certified (lower bound)     37.50%  (3/8)",
        "  attack upper bound          62.50%  (2 counterexamples: 1 attack, 1 branch-and-bound)",
        "  exact robust accuracy          n/a  (some examples undecided)",
        "  timeouts                         1",
        "  float-undecided                  1",
        "  undecided                        0",
        "  time                           3.0 s",
    ]


def test_the_json_record_holds_the_summary_and_every_image_without_pixels() -> None:
    record = json.loads(
        json.dumps(as_json(summarize(RESULTS, method="crown", eps=Fraction(1, 10), seconds=1.0), RESULTS))
    )
    assert record["summary"]["eps"] == "1/10" and record["summary"]["exact_robust_accuracy"] is None
    assert len(record["images"]) == 8 and "counterexample" not in record["images"][0]
    assert record["images"][2]["status"] == "counterexample"
