"""JSON read from files and arguments, within a size and a nesting depth checked before parsing.

Python's parser recurses once per level of nesting, so 100,000 nested brackets end in a RecursionError;
here the depth is measured first, outside of strings, without recursion (a running sum over the
brackets, in chunks of a MiB, in linear time), and text nested deeper than the ceiling is refused
before the parser sees it.
"""

from typing import Any, Final

import numpy as np

from ._limits import JSON_DEPTH

_CHUNK: Final = 1 << 20
_QUOTE, _BACKSLASH = ord('"'), ord("\\")
_OPENING, _CLOSING = (ord("["), ord("{")), (ord("]"), ord("}"))


class JSONError(ValueError):
    """Text that is not JSON, or JSON nested deeper than the ceiling; the message names the problem only
    (callers prefix the file or option)."""


JSONError.__module__ = "verified_nn.files"


def json_depth(text: str | bytes) -> int:
    """The deepest nesting of arrays and objects in ``text``; brackets inside strings do not count.

    One pass in chunks of a MiB, without recursion and without backtracking: a quote not preceded by an
    odd run of backslashes opens or closes a string, and the depth is the running sum of the brackets
    outside strings. (For text that is not JSON the figure is only a bound; the parser refuses it after.)
    """
    data = np.frombuffer(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text), np.uint8)
    depth = deepest = 0
    inside = False  # whether the chunk starts inside a string
    carried = 0  # backslashes just before the chunk
    for start in range(0, len(data), _CHUNK):
        chunk = data[start : start + _CHUNK]
        position = np.arange(len(chunk), dtype=np.int64)
        backslash = chunk == _BACKSLASH
        last_other = np.maximum.accumulate(np.where(backslash, -1, position))  # last non-backslash at or before
        runs = position - last_other + np.where(last_other < 0, carried, 0)  # backslashes ending at each byte
        before = np.concatenate(([carried], runs[:-1]))  # backslashes just before each byte
        quote = (chunk == _QUOTE) & (before % 2 == 0)
        toggles = np.cumsum(quote, dtype=np.int64)
        in_string = ((toggles - quote) % 2 == 1) ^ inside
        opening = np.isin(chunk, _OPENING) & ~in_string
        closing = np.isin(chunk, _CLOSING) & ~in_string
        running = np.cumsum(opening.astype(np.int64) - closing, dtype=np.int64) + depth
        deepest = max(deepest, int(running.max()))
        depth = int(running[-1])
        inside ^= bool(toggles[-1] % 2)
        carried = int(runs[-1])
    return deepest


def parse_json(text: str | bytes) -> Any:
    """The value of JSON ``text``; JSONError if it is not JSON or is nested deeper than $VERIFIED_NN_MAX_JSON_DEPTH
    (default 64 levels). Numbers too long for Python's integer conversion are refused the same way."""
    depth = json_depth(text)
    problem = JSON_DEPTH.over(depth, "nested")
    if problem is not None:
        raise JSONError(problem)
    import json

    try:
        return json.loads(text)
    except (ValueError, RecursionError) as error:  # JSONDecodeError, bad UTF-8, integers past 4300 digits
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise JSONError(f"not JSON ({first})") from None
