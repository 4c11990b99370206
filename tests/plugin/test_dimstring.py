"""The dims-string parser reads jaxtyping's grammar: what it accepts, what each axis means, and jaxtyping's reasons."""

import numpy as np
import pytest
from hypothesis import given, strategies as st
from jaxtyping import Float

from verified_nn.mypy_plugin._dimstring import DimsError, Fixed, Named, Symbolic, Variadic, parse_dims

READINGS = [
    ("batch 784", (Named("batch"), Fixed(784))),
    ("", ()),
    (" batch", (Named("batch"),)),
    ("b c h w", (Named("b"), Named("c"), Named("h"), Named("w"))),
    ("*batch c", (Variadic("batch"), Named("c"))),
    ("... 3", (Variadic(None), Fixed(3))),
    ("*_ 3", (Variadic(None), Fixed(3))),
    ("#b n", (Named("b", broadcastable=True), Named("n"))),
    ("#4", (Fixed(4, broadcastable=True),)),
    ("_ _b", (Named("", anonymous=True), Named("b", anonymous=True))),
    ("?leaf", (Named("leaf", treepath=True),)),
    ("rows=3 cols=4", (Fixed(3), Fixed(4))),
    ("n n+1 2*n", (Named("n"), Symbolic("n+1"), Symbolic("2*n"))),
    ("min(a,b)", (Symbolic("min(a,b)"),)),
    ("*#batch", (Variadic("batch", broadcastable=True),)),
]

REFUSALS = [
    ("b, c", "Axes should be separated with spaces, not commas"),
    ("b#", "As of jaxtyping v0.1.0, broadcastable axes are now denoted with a # at the start, rather than at the end"),
    ("a... b", "Anonymous multiple axes '...' must be used on its own; got a..."),
    ("##b", "Do not use # twice to denote broadcastability, e.g. `##foo` is not allowed"),
    ("**b", "Do not use * twice to denote accepting multiple axes, e.g. `**foo` is not allowed"),
    ("__b", "Do not use _ twice to denote anonymity, e.g. `__foo` is not allowed"),
    ("??b", "Do not use ? twice to denote dependence on location within a PyTree, e.g. `??foo` is not allowed"),
    ("*a *b", "Cannot use variadic specifiers (`*name` or `...`) more than once."),
    ("... *b", "Cannot use variadic specifiers (`*name` or `...`) more than once."),
    ("*4", "Cannot have a fixed axis bind to multiple axes, e.g. `*4` is not allowed."),
    ("_4", "Cannot have a fixed axis be anonymous, e.g. `_4` is not allowed."),
    ("?4", "Cannot have a fixed axis have tree-path dependence, e.g. `?4` is not allowed."),
    ("#_", "Cannot have an axis be both anonymous and broadcastable, e.g. `#_` is not allowed."),
    ("_n+1", "Cannot have a symbolic axis be anonymous, e.g. `_foo+bar` is not allowed"),
    ("*n+1", "Cannot have symbolic multiple-axes, e.g. `*foo+bar` is not allowed"),
    ("?n+1", "Cannot have a symbolic axis with tree-path dependence, e.g. `?foo+bar` is not allowed"),
]


@pytest.mark.parametrize(("text", "axes"), READINGS)
def test_each_axis_reads_as_jaxtyping_defines_it(text: str, axes: tuple[object, ...]) -> None:
    assert parse_dims(text) == axes


@pytest.mark.parametrize(("text", "reason"), REFUSALS)
def test_a_string_jaxtyping_refuses_is_refused_with_its_reason(text: str, reason: str) -> None:
    with pytest.raises(DimsError) as caught:
        parse_dims(text)
    assert str(caught.value) == reason


@pytest.mark.parametrize("text", [text for text, _ in REFUSALS])
def test_jaxtyping_itself_refuses_the_refused_strings(text: str) -> None:
    with pytest.raises(ValueError):
        Float[np.ndarray, text]


ELEMENTS = st.sampled_from(["b", "784", "_", "...", "n+1", "x=3", "#", "*", "?", "_", ",", "(", "=", "a"])


@given(st.lists(st.lists(ELEMENTS, min_size=1, max_size=4).map("".join), max_size=4).map(" ".join))
def test_the_parser_refuses_exactly_what_jaxtyping_refuses(text: str) -> None:
    try:
        Float[np.ndarray, text]
    except ValueError:
        with pytest.raises(DimsError):
            parse_dims(text)
    else:
        parse_dims(text)
