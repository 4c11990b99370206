"""The printed table: one column per checker, one row per category, then each checker's misses and false alarms."""

import dataclasses
from collections.abc import Iterable
from typing import Any

from ._cases import API, KERNEL_STYLES
from ._checks import Tally

STRICT = " (strict)"  # the suffix of a category's key in the run with the plugin's strict option


@dataclasses.dataclass(frozen=True)
class Result:
    """One checker's tallies per category (``api: cnn (strict)``: the API file under the plugin's strict option)."""

    checker: str
    tallies: dict[str, Tally]
    seconds: float

    def as_json(self) -> dict[str, Any]:
        return {
            "checker": self.checker,
            "seconds": round(self.seconds, 1),
            "categories": {name: dataclasses.asdict(tally) for name, tally in self.tallies.items()},
        }


def total(tallies: Iterable[Tally]) -> Tally:
    """Several categories counted together (their listed lines are not copied)."""
    summed = Tally()
    for one in tallies:
        summed.bugs += one.bugs
        summed.caught += one.caught
        summed.correct += one.correct
        summed.false_alarms += one.false_alarms
        summed.stray += one.stray
    return summed


def _rows(results: list[Result]) -> list[tuple[str, list[Tally | None]]]:
    """Each kernel style, the kernels together, each API subject, the API together, and under ``strict``."""
    names = sorted({name for result in results for name in result.tallies})
    api = [name for name in names if name.startswith(API) and not name.endswith(STRICT)]
    strict = [name for name in names if name.startswith(API) and name.endswith(STRICT)]
    groups: list[tuple[str, list[str]]] = [(style, [style]) for style in KERNEL_STYLES if style in names]
    if groups:
        groups.append(("kernels, all styles", [style for style in KERNEL_STYLES if style in names]))
    groups += [(name, [name]) for name in api]
    if api:
        groups.append(("api, all", api))
    if strict:
        groups.append(("api, all" + STRICT, strict))
    rows: list[tuple[str, list[Tally | None]]] = []
    for label, members in groups:
        cells: list[Tally | None] = []
        for result in results:
            found = [result.tallies[name] for name in members if name in result.tallies]
            cells.append(total(found) if found else None)
        rows.append((label, cells))
    return rows


def _cell(tally: Tally | None) -> str:
    if tally is None:
        return "-"
    return f"{tally.caught:>3}/{tally.bugs:<3} caught, {tally.false_alarms:>2} false alarms"


def render(results: list[Result]) -> str:
    """The side-by-side table, then for each checker its misses, false alarms and stray errors (file:line)."""
    out = [f"[{n}] {result.checker}  ({result.seconds:.1f} s)" for n, result in enumerate(results, start=1)]
    header = f"{'':<30}" + "".join(f"| [{n}]{'':<32}" for n in range(1, len(results) + 1))
    out += ["", header, "-" * len(header)]
    for label, cells in _rows(results):
        known = next(cell for cell in cells if cell is not None)
        title = f"{label} ({known.bugs}/{known.correct})"
        out.append(f"{title:<30}" + "".join(f"| {_cell(cell):<35}" for cell in cells))
    out.append("(a/b: wrong/correct; a bug is caught when an error is reported on its marked line)")
    for number, result in enumerate(results, start=1):
        names = sorted(result.tallies)
        misses = [f"  {line}{_tag(name)}" for name in names for line in result.tallies[name].misses]
        alarms = [f"  {line}{_tag(name)}" for name in names for line in result.tallies[name].alarms]
        stray = sum(tally.stray for tally in result.tallies.values())
        out += ["", f"[{number}] misses ({len(misses)}):", *misses]
        out += [f"[{number}] false alarms ({len(alarms)}):", *alarms]
        out.append(f"[{number}] stray errors in buggy files, off the marked lines and not in the twin: {stray}")
    return "\n".join(out)


def _tag(name: str) -> str:
    return STRICT if name.endswith(STRICT) else ""
