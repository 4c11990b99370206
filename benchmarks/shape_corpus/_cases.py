"""The corpus files and their markers: where each planted bug should be reported, and its correct twin.

A kernel file holds one or more kernels, each with one planted bug. Its markers are comments:

- ``# BUG`` (or ``# BUG name`` when the file holds several) ends the line where a checker should
  report the bug;
- ``# FIX: code`` (or ``# FIX name: code``) ends a line that the correct twin replaces by ``code``
  at the same indentation; ``# BUG FIX: code`` does both on one line. A line holding only a FIX
  comment is a line the buggy version left out (a forgotten pool, say).

For each bug the runner checks the file with every other fix applied (only that bug left in), and the
file with all fixes applied is the correct twin of every kernel in it. Line numbers never move.

An API file (``api/*_wrong.py``) marks each wrong call with ``# BUG``, checked all at once; an
``api/*_ok.py`` file marks each correct call with ``# OK``. Any error in a correct file is a false alarm.
"""

import dataclasses
import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent
KERNEL_STYLES = ("jaxtyping", "plain", "library", "typed")
API = "api"

_BUG = re.compile(r"#\s*BUG(?:\s+(?P<label>[A-Za-z_]\w*))?\s*(?:FIX:\s*(?P<fix>.*))?$")
_FIX = re.compile(r"#\s*FIX(?:\s+(?P<label>[A-Za-z_]\w*))?:\s*(?P<fix>.*)$")
_OK = re.compile(r"#\s*OK\b")


class CorpusError(Exception):
    """A corpus file whose markers are malformed (a bug without a fix, a label used twice, ...)."""


@dataclasses.dataclass(frozen=True)
class Source:
    """One corpus file: its text and its markers (1-based line numbers)."""

    path: Path  # relative to ROOT, e.g. kernels/jaxtyping/attention.py
    style: str  # one of KERNEL_STYLES, or API
    lines: tuple[str, ...]
    bugs: dict[str, int]  # label -> the line where a checker should report it
    fixes: dict[str, dict[int, str]]  # label -> {line: the correct twin's code}
    oks: tuple[int, ...]  # API ok files: the lines of the correct calls

    @property
    def category(self) -> str:
        """The row it is counted in: its kernel style, or ``api: networks`` for ``api/networks_wrong.py``."""
        if self.style != API:
            return self.style
        return f"{API}: {self.path.stem.removesuffix('_wrong').removesuffix('_ok')}"

    @property
    def wrong(self) -> bool:
        """Whether this file is checked for its planted bugs (as opposed to a correct API file)."""
        return bool(self.bugs)

    def variant(self, keep: str | None) -> str:
        """The text with every fix applied except ``keep``'s (``None``: all of them, the correct twin)."""
        out = list(self.lines)
        for label, lines in self.fixes.items():
            if label == keep:
                continue
            for number, code in lines.items():
                original = out[number - 1]
                indent = original[: len(original) - len(original.lstrip())]
                out[number - 1] = indent + code
        return "\n".join(out) + "\n"


def _comments(text: str) -> dict[int, str]:
    """The comment of each line that has one (tokenize, so a '#' inside a string is not a comment)."""
    found: dict[int, str] = {}
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            found[token.start[0]] = token.string
    return found


def read(path: Path, root: Path = ROOT) -> Source:
    """The markers of one corpus file under ``root``; CorpusError if they do not pair up."""
    relative = path.relative_to(root)
    style = API if relative.parts[0] == API else relative.parts[1]
    text = path.read_text()
    bugs: dict[str, int] = {}
    fixes: dict[str, dict[int, str]] = {}
    oks: list[int] = []
    for number, comment in _comments(text).items():
        if (bug := _BUG.match(comment)) is not None:
            label = bug["label"] or ("" if style != API else f"line{number}")
            if label in bugs:
                raise CorpusError(f"{relative}:{number}: a second BUG {label!r} (first on line {bugs[label]})")
            bugs[label] = number
            if bug["fix"] is not None:
                fixes.setdefault(label, {})[number] = bug["fix"].rstrip()
        elif (fix := _FIX.match(comment)) is not None:
            fixes.setdefault(fix["label"] or "", {})[number] = fix["fix"].rstrip()
        elif _OK.match(comment):
            oks.append(number)
    source = Source(relative, style, tuple(text.splitlines()), bugs, fixes, tuple(oks))
    _check(source)
    return source


def _check(source: Source) -> None:
    where = str(source.path)
    if source.style == API:
        if source.fixes:
            raise CorpusError(f"{where}: API files mark wrong calls with BUG and correct ones with OK, no FIX")
        if source.path.stem.endswith("_wrong") != bool(source.bugs) or (source.bugs and source.oks):
            raise CorpusError(f"{where}: an *_wrong.py file has BUG lines only, an *_ok.py file OK lines only")
        if not source.bugs and not source.oks:
            raise CorpusError(f"{where}: no marked call")
        return
    if not source.bugs:
        raise CorpusError(f"{where}: no BUG marker")
    if source.oks:
        raise CorpusError(f"{where}: OK markers belong to API files")
    if "" in source.bugs and len(source.bugs) > 1:
        raise CorpusError(f"{where}: several bugs, so each needs a label (# BUG name)")
    for label in source.bugs.keys() | source.fixes.keys():
        if label not in source.bugs:
            raise CorpusError(f"{where}: FIX {label!r} without a BUG")
        if label not in source.fixes:
            raise CorpusError(f"{where}: BUG {label!r} without a FIX (its correct twin)")


def sources(styles: tuple[str, ...] = (*KERNEL_STYLES, API), root: Path = ROOT) -> list[Source]:
    """Every corpus file of ``styles`` under ``root`` (``api/``, ``kernels/<style>/``), in a stable order."""
    found: list[Source] = []
    for style in styles:
        folder = root / API if style == API else root / "kernels" / style
        found.extend(read(path, root) for path in sorted(folder.glob("*.py")))
    return found
