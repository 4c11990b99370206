"""Summaries of many verdicts: the table the command prints and the JSON it writes."""

import dataclasses
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from ._ball import PIXELS, InputRange, shown
from ._driver import (
    COUNTEREXAMPLE,
    FLOAT_UNDECIDED,
    MISCLASSIFIED,
    TIMEOUT,
    UNDECIDED,
    VERIFIED,
    ImageResult,
)


@dataclasses.dataclass(frozen=True)
class Summary:
    """Counts over a set of images, and the accuracies they bound."""

    method: str
    eps: Fraction
    count: int
    correct: int  # clean images classified correctly
    verified: int
    counterexamples: int  # found by the attack or branch-and-bound, confirmed (misclassified images not included)
    by_attack: int
    by_search: int  # found by branch-and-bound (the complete stage)
    timeouts: int
    float_undecided: int
    undecided: int
    seconds: float  # wall-clock time of the whole run
    input_range: InputRange = PIXELS  # the inputs' range the balls were clipped to

    @property
    def clean_accuracy(self) -> float:
        """The fraction of images the deployed network classifies correctly."""
        return self.correct / self.count if self.count else 0.0

    @property
    def certified_accuracy(self) -> float:
        """A lower bound on robust accuracy: the verified images."""
        return self.verified / self.count if self.count else 0.0

    @property
    def upper_bound(self) -> float:
        """An upper bound on robust accuracy: everything not shown non-robust by a confirmed input."""
        return (self.correct - self.counterexamples) / self.count if self.count else 0.0

    @property
    def exact(self) -> float | None:
        """Robust accuracy when every image is decided (complete method only), else None."""
        open_images = self.timeouts + self.float_undecided + self.undecided
        return self.certified_accuracy if self.method == "complete" and open_images == 0 else None


def summarize(
    results: Sequence[ImageResult], *, method: str, eps: Fraction, seconds: float, input_range: InputRange = PIXELS
) -> Summary:
    """Count the verdicts of ``results``."""

    def count(status: str) -> int:
        return sum(r.status == status for r in results)

    return Summary(
        method=method,
        eps=eps,
        count=len(results),
        correct=len(results) - count(MISCLASSIFIED),
        verified=count(VERIFIED),
        counterexamples=count(COUNTEREXAMPLE),
        by_attack=sum(r.status == COUNTEREXAMPLE and r.decided_by == "attack" for r in results),
        by_search=sum(r.status == COUNTEREXAMPLE and r.decided_by == "bab" for r in results),
        timeouts=count(TIMEOUT),
        float_undecided=count(FLOAT_UNDECIDED),
        undecided=count(UNDECIDED),
        seconds=seconds,
        input_range=input_range,
    )


def _range_text(input_range: InputRange) -> str:
    text = str(input_range)
    return text if text == "unbounded" else f"in {text}"


def format_table(summary: Summary) -> str:
    """The human-readable table: accuracies, the open cases, and the time."""
    n = summary.count
    exact = f"{summary.exact:7.2%}" if summary.exact is not None else "    n/a"
    why = "" if summary.exact is not None or summary.method != "complete" else "  (some examples undecided)"
    rows = [
        f"certify: {n} examples, eps {shown(summary.eps)}, inputs {_range_text(summary.input_range)}, "
        f"method {summary.method}",
        f"  clean accuracy             {summary.clean_accuracy:7.2%}  ({summary.correct}/{n})",
        f"  certified (lower bound)    {summary.certified_accuracy:7.2%}  ({summary.verified}/{n})",
        f"  attack upper bound         {summary.upper_bound:7.2%}  ({summary.counterexamples} counterexamples: "
        f"{summary.by_attack} attack, {summary.by_search} branch-and-bound)",
        f"  exact robust accuracy      {exact}{why}",
        f"  timeouts                   {summary.timeouts:7d}",
        f"  float-undecided            {summary.float_undecided:7d}",
        f"  undecided                  {summary.undecided:7d}",
        f"  time                       {summary.seconds:7.1f} s",
    ]
    return "\n".join(rows)


def as_json(summary: Summary, results: Sequence[ImageResult], *, requested: int | None = None) -> dict[str, Any]:
    """The summary and every image's record (without pixels), ready for ``json.dump``. ``requested`` is how
    many examples the run was asked for (``count`` by default; more when it stopped before the end: the
    summary then covers the ``count`` that finished)."""
    head = dataclasses.asdict(summary)
    head["requested"] = summary.count if requested is None else requested
    head["eps"] = str(summary.eps)
    head["input_range"] = str(summary.input_range)  # "[0, 1]", "[-3, 3]", "[-inf, 5]" or "unbounded" (JSON has no inf)
    head.update(
        clean_accuracy=summary.clean_accuracy,
        certified_accuracy=summary.certified_accuracy,
        upper_bound=summary.upper_bound,
        exact_robust_accuracy=summary.exact,
    )
    return {"summary": head, "images": [r.as_dict() for r in results]}
