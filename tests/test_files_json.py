"""JSON within a depth ceiling, measured without recursion: deep nesting is one line, never a RecursionError."""

import json
import time
from typing import Any

import pytest
from hypothesis import given, strategies as st

from verified_nn.files import JSONError, json_depth, parse_json

# Values whose strings are full of the characters that could fool a depth count: brackets, quotes, backslashes.
TRICKY = st.text(alphabet='[]{}"\\ ab\n\u00e9', max_size=8)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | TRICKY,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TRICKY, inner, max_size=3),
    max_leaves=20,
)


def _depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(item) for item in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(item) for item in value.values()), default=0)
    return 0


@given(VALUES, st.booleans())
def test_the_depth_is_that_of_the_value_whatever_its_strings_hold(value: Any, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    assert json_depth(text) == _depth(value) == json_depth(text.encode("utf-8"))
    assert parse_json(text) == value


def test_the_depth_is_counted_across_chunk_boundaries() -> None:
    text = '["' + "x" * (1 << 20) + '\\\\"' + ", [[1]]]"  # an escaped backslash ends the string in the next chunk
    assert json_depth(text) == 3 and parse_json(text)[1] == [[1]]
    text = '"' + "\\" * ((1 << 20) - 1) + '"[[[["'  # the quote after an odd run of backslashes is escaped
    assert json_depth(text) == 0


def test_deep_nesting_is_refused_in_one_line_quickly() -> None:
    start = time.perf_counter()
    for text in ("[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000, "[" * 10_000_000):
        with pytest.raises(JSONError, match=r"^nested [\d,]+ levels, over the limit of 64 levels \(set VERIFIED_NN_MAX_JSON_DEPTH to raise it\)$"):
            parse_json(text)
    assert time.perf_counter() - start < 10


def test_what_is_not_json_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    for text in ("[{", "1" * 5000, b"\xff\xfe", "NaN]", ""):
        with pytest.raises(JSONError, match=r"^not JSON \(") as caught:
            parse_json(text)
        assert "\n" not in str(caught.value)
    monkeypatch.setenv("VERIFIED_NN_MAX_JSON_DEPTH", "200")
    assert parse_json("[" * 150 + "]" * 150) is not None
