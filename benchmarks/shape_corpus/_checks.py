"""The checked files: each corpus file written out once per planted bug and once corrected, and the verdicts.

Every variant gets a flat, unique module name (``jaxtyping__attention__bug_scores.py``) so that one
checker run covers them all. A checker's errors come back as ``{variant file name: {line, ...}}``, and
:func:`tally` turns them into caught bugs, misses, false alarms and stray errors per category (a kernel
style, or an API file's subject).
"""

import dataclasses
from collections.abc import Callable
from pathlib import Path

from ._cases import API, Source

Transform = Callable[[str], tuple[str, list[int]]]  # text -> (new text, original line of each new line)


@dataclasses.dataclass(frozen=True)
class Variant:
    """One file to check: a buggy version (``label`` set) or a correct one (``label`` None)."""

    source: Source
    label: str | None
    name: str  # the file name it is written under

    @property
    def buggy(self) -> bool:
        return self.label is not None


def variants(sources: list[Source]) -> list[Variant]:
    """A buggy variant per bug of each kernel file, and a correct one per kernel file; API files as they are."""
    found: list[Variant] = []
    for source in sources:
        stem = f"{source.style}__{source.path.stem}"
        if source.style == API:
            found.append(Variant(source, next(iter(source.bugs)) if source.bugs else None, stem))
            continue
        for label in source.bugs:
            found.append(Variant(source, label, f"{stem}__bug_{label or 'only'}"))
        found.append(Variant(source, None, f"{stem}__ok"))
    return found


def text_of(variant: Variant) -> str:
    """The file's text: the source itself for API files, else the source with the other bugs fixed."""
    if variant.source.style == API:
        return "\n".join(variant.source.lines) + "\n"
    return variant.source.variant(variant.label)


def write(variants_: list[Variant], directory: Path, transform: Transform | None = None) -> dict[str, list[int]]:
    """Write each variant to ``directory/name.py``; return each file's line map (new line -> source line)."""
    maps: dict[str, list[int]] = {}
    for variant in variants_:
        text = text_of(variant)
        if transform is None:
            line_map = list(range(1, text.count("\n") + 2))
        else:
            text, line_map = transform(text)
        (directory / f"{variant.name}.py").write_text(text)
        maps[variant.name] = line_map
    return maps


@dataclasses.dataclass
class Tally:
    """What one checker did on one category."""

    bugs: int = 0
    caught: int = 0
    correct: int = 0  # correct kernels (twins) or correct API calls
    false_alarms: int = 0  # error lines in correct files
    stray: int = 0  # error lines of a buggy file elsewhere than its bug, and not in its correct twin
    misses: list[str] = dataclasses.field(default_factory=list)
    alarms: list[str] = dataclasses.field(default_factory=list)


def tally(variants_: list[Variant], errors: dict[str, set[int]]) -> dict[str, Tally]:
    """Per category: a bug is caught when an error is on its line; any error in a correct file is a false alarm."""
    result: dict[str, Tally] = {}
    correct_errors: dict[Path, set[int]] = {}
    for variant in variants_:
        if not variant.buggy:
            correct_errors[variant.source.path] = errors.get(variant.name, set())
    for variant in variants_:
        source = variant.source
        tally_ = result.setdefault(source.category, Tally())
        found = errors.get(variant.name, set())
        if not variant.buggy:
            tally_.correct += len(source.oks) if source.style == API else len(source.bugs)
            tally_.false_alarms += len(found)
            tally_.alarms.extend(f"{source.path}:{line}" for line in sorted(found))
            continue
        lines = source.bugs.values() if source.style == API else [source.bugs[variant.label or ""]]
        twin = correct_errors.get(source.path, set())
        for line in lines:
            tally_.bugs += 1
            if line in found:
                tally_.caught += 1
            else:
                tally_.misses.append(f"{source.path}:{line}")
        tally_.stray += len(found - set(lines) - twin)
    return result
