"""Comparing a documented output line with a run's, allowing for the figures that vary by machine.

numpy's OpenBLAS picks its kernel by CPU (Haswell, SkylakeX, Sandybridge, ...), and each kernel rounds
the matrix products differently. Anything computed through many products therefore differs in its last
digits between machines: the gradient check's worst coordinate, the norm of a gradient in the 7th
digit, the accuracies, losses and margins of a trained network. The docs show one machine's run; the
docs test accepts another machine's run when every figure listed here is within its tolerance and the
rest of the line is identical. docs/testing.md lists these figures for readers.
"""

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

_NUMBER = r"(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)"


@dataclass(frozen=True)
class Varies:
    """A figure (group 1 of ``pattern``) that depends on the BLAS kernel, and how far it may move."""

    pattern: re.Pattern[str]
    agrees: Callable[[float, float], bool]  # (documented, measured) -> within tolerance


def _within(absolute: float = 0.0, relative: float = 0.0) -> Callable[[float, float], bool]:
    return lambda shown, seen: abs(shown - seen) <= absolute + relative * abs(shown)


def _positive(shown: float, seen: float) -> bool:
    return shown > 0 and seen > 0


def _anywhere(shown: float, seen: float) -> bool:
    return shown >= 0 and seen >= 0


def _rule(label: str, agrees: Callable[[float, float], bool]) -> Varies:
    return Varies(re.compile(label.replace("NUMBER", _NUMBER)), agrees)


VARIES: tuple[Varies, ...] = (
    # Where a gradient check's worst relative error falls is decided by the last bits of the products.
    _rule(r"weight\[NUMBER, \d+\]", _anywhere),
    _rule(r"weight\[\d+, NUMBER\]", _anywhere),
    # One forward and backward pass of a random network: products agree to about 1e-7 relative.
    _rule(r"gradient norm +NUMBER", _within(relative=1e-5)),
    # Trained networks: a few epochs on another kernel take another path.
    _rule(r"\b(?:test|val|train) acc(?:uracy)? NUMBER%", _within(absolute=0.5)),
    # Verified and certified fractions, and certify's counts of images per verdict (on 100 images).
    _rule(r"\b(?:verified|certified)\b[^%|]*? NUMBER%", _within(absolute=6.0)),
    _rule(r"\battack upper bound +NUMBER%", _within(absolute=6.0)),
    _rule(r"\b(?:clean|exact robust) accuracy +NUMBER%", _within(absolute=6.0)),
    _rule(r"\(NUMBER/\d+", _within(absolute=6.0)),
    _rule(r"\(NUMBER counterexamples", _within(absolute=6.0)),
    _rule(r"counterexamples: NUMBER attack", _within(absolute=6.0)),
    _rule(r"^ +(?:float-undecided|undecided) +NUMBER$", _within(absolute=6.0)),
    _rule(r"_verified +NUMBER", _within(absolute=0.06)),
    # float-check's table: which images the bound decides and which need the exact pass (10,000 images);
    # disagreements, ties and undecided images are compared exactly.
    _rule(r"^ *\d+ \| +NUMBER \|", _within(absolute=10.0)),
    _rule(r"^ *\d+ \| +\d+ \| +NUMBER \|", _within(absolute=10.0)),
    _rule(r"\| (?:mean )?loss NUMBER", _within(relative=0.1)),
    _rule(r"\b(?:grad-norm|param-change) NUMBER", _within(relative=0.1)),
    # The BLAS threads an epoch ran on: "auto" chooses them from the machine's load at that moment.
    _rule(r"\| threads NUMBER \|", _anywhere),
    _rule(r"^ +loss +NUMBER$", _within(relative=0.1)),
    # The float error bound of a trained network (printed to two significant digits) and its smallest
    # margin over 10,000 images, which is one image's near-tie and moves the most.
    _rule(r"\b(?:median|largest) NUMBER", _within(relative=0.15)),
    _rule(r"smallest float margin NUMBER", _positive),
    # The audit's point is that every logit is within its bound: below 100% of it.
    _rule(r"largest error NUMBER% of its bound", lambda shown, seen: 0 <= seen <= 100 and 0 <= shown <= 100),
)


def _figures(line: str) -> tuple[str, list[tuple[Varies, float]]]:
    """The line with each varying figure replaced by a placeholder, and those figures in order."""
    found: list[tuple[int, int, Varies, float]] = []
    for rule in VARIES:
        for match in rule.pattern.finditer(line):
            start, end = match.span(1)
            if not any(start < other_end and other_start < end for other_start, other_end, _, _ in found):
                found.append((start, end, rule, float(match.group(1))))
    found.sort(key=lambda item: item[0])
    skeleton, last = [], 0
    for start, end, _, _ in found:
        skeleton.append(line[last:start] + "<figure>")
        last = end
    skeleton.append(line[last:])
    return "".join(skeleton), [(rule, value) for _, _, rule, value in found]


def agrees(documented: str, measured: str) -> bool:
    """True if ``measured`` is ``documented`` up to the figures that vary by machine."""
    if documented == measured:
        return True
    shown_skeleton, shown = _figures(documented)
    seen_skeleton, seen = _figures(measured)
    # A figure with more digits shifts a right-aligned column: compare the text up to its spacing.
    if " ".join(shown_skeleton.split()) != " ".join(seen_skeleton.split()) or len(shown) != len(seen):
        return False
    return all(
        rule is other and math.isfinite(value) and rule.agrees(value, measured_value)
        for (rule, value), (other, measured_value) in zip(shown, seen, strict=True)
    )
