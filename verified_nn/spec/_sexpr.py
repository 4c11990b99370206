"""S-expressions, the syntax of SMT-LIB and VNNLIB: ``(assert (<= X_0 0.5))`` as nested tuples of atoms.

Comments run from ``;`` to the end of the line. Atoms are kept as strings; the caller decides what is a
number. The reader is iterative, and refuses nesting deeper than :data:`MAX_DEPTH`, so the readers of
its expressions, which recurse (two frames a level, under Python's limit of 1,000), cannot exhaust the
recursion limit; the competition's files nest 5 deep at most.
"""

import re
from typing import Final, TypeAlias

from ._errors import SpecError

Expression: TypeAlias = "str | tuple[Expression, ...]"

_COMMENT: Final = re.compile(r";[^\n]*")
_TOKEN: Final = re.compile(r"\(|\)|[^\s();]+")
MAX_DEPTH: Final = 100  # levels of parentheses


def parse_sexpr(text: str, *, source: str = "input") -> list[Expression]:
    """The top-level expressions of ``text``; SpecError for unbalanced parentheses."""
    stack: list[list[Expression]] = [[]]
    for token in _TOKEN.findall(_COMMENT.sub("", text)):
        if token == "(":
            if len(stack) > MAX_DEPTH:
                raise SpecError(f"{source}: nested deeper than {MAX_DEPTH} levels")
            stack.append([])
        elif token == ")":
            if len(stack) == 1:
                raise SpecError(f"{source}: ')' without a matching '(' after {len(stack[0])} expressions")
            closed = tuple(stack.pop())
            stack[-1].append(closed)
        else:
            stack[-1].append(token)
    if len(stack) > 1:
        raise SpecError(f"{source}: {len(stack) - 1} '(' never closed")
    return stack[0]
