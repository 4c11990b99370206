"""Each rule alone: sound (contains every value, exactly) and as tight as documented (the exact range)."""

import itertools
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from verified_nn.bounds import Box, Context, Rounding, rule_for
from verified_nn.bounds._lines import kinked, smooth
from verified_nn.layers import Dense, Dropout, Flatten, LeakyReLU, ReLU, Reshape, Tanh

Array = np.ndarray[Any, Any]
SOUND = Rounding.sound(deployed=None)
PLAIN = Rounding.none(np.float64)


def _box(rng: np.random.Generator, shape: tuple[int, ...], domains: int = 3, scale: float = 2.0) -> Box:
    a, b = rng.normal(0, scale, (domains, *shape)), rng.normal(0, scale, (domains, *shape))
    return Box(np.minimum(a, b), np.maximum(a, b))


def _fractions(array: Array) -> Array:
    result: Array = np.vectorize(lambda v: Fraction(float(v)), otypes=[object])(array)
    return result


@pytest.mark.parametrize("rounding", [SOUND, PLAIN])
def test_a_dense_layers_interval_is_its_exact_range_over_the_box(rounding: Rounding) -> None:
    """The range of ``W x + b`` over a box is ``W+ l + W- u + b`` to ``W+ u + W- l + b``: the rule gives it,
    outward by at most a few units in the last place (sound: contains it exactly)."""
    rng = np.random.default_rng(0)
    layer = Dense(weights=rng.normal(0, 1, (4, 6)), bias=rng.normal(0, 1, 4))
    box = _box(rng, (6,))
    out = rule_for(layer).interval(layer, box, Context(rounding))
    w, b = _fractions(layer.weights), _fractions(layer.bias)
    for d in range(box.domains):
        low, high = _fractions(box.lower[d]), _fractions(box.upper[d])
        exact_low = np.where(w > 0, w * low, w * high).sum(axis=1) + b
        exact_high = np.where(w > 0, w * high, w * low).sum(axis=1) + b
        if rounding.outward:
            assert all(Fraction(float(o)) <= e for o, e in zip(out.lower[d], exact_low, strict=True))
            assert all(Fraction(float(o)) >= e for o, e in zip(out.upper[d], exact_high, strict=True))
        np.testing.assert_allclose(out.lower[d], exact_low.astype(float), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(out.upper[d], exact_high.astype(float), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("layer", [Flatten(), Reshape((2, 3)), Dropout(0.5)], ids=repr)
def test_reshaping_layers_move_the_box_exactly(layer: Any) -> None:
    rng = np.random.default_rng(1)
    box = _box(rng, (2, 3) if isinstance(layer, Flatten) else (6,))
    out = rule_for(layer).interval(layer, box, Context(SOUND))
    shape = layer.output_shape(box.shape)
    assert np.array_equal(out.lower, box.lower.reshape(3, *shape))
    assert np.array_equal(out.upper, box.upper.reshape(3, *shape))


@pytest.mark.parametrize("layer", [ReLU(), LeakyReLU(0.1), Tanh()], ids=repr)
def test_an_activations_interval_is_its_image(layer: Any) -> None:
    """Nondecreasing: ``[f(l), f(u)]``, exact for the ReLU family and within the declared kernel error for tanh."""
    rng = np.random.default_rng(2)
    box = _box(rng, (50,))
    out = rule_for(layer).interval(layer, box, Context(SOUND))
    np.testing.assert_allclose(out.lower, layer.function(box.lower), rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(out.upper, layer.function(box.upper), rtol=1e-14, atol=1e-300)
    assert np.all(out.lower <= layer.function(box.lower)) and np.all(out.upper >= layer.function(box.upper))
    if layer.float_error == (0.0, 0.0):  # an exact kernel (ReLU): the rule adds nothing
        assert np.array_equal(out.lower, layer.function(box.lower))


def _line_ok(slope: float, intercept: float, z: Fraction, value: Fraction, *, below: bool) -> bool:
    line = Fraction(slope) * z + Fraction(intercept)
    return line <= value if below else line >= value


@pytest.mark.parametrize("pieces", [(0.0, 1.0), (0.01, 1.0), (0.3, 1.0)])
def test_kinked_lines_are_sound_as_stored_at_every_breakpoint(pieces: tuple[float, float]) -> None:
    """Checked in exact rationals at l, 0 and u (enough: both sides are linear between them), on awkward
    intervals (tiny, huge, lopsided), with outward rounding; and CROWN's lower slope is the wider side's."""
    rng = np.random.default_rng(3)
    lows = np.concatenate([-(10.0 ** rng.uniform(-12, 6, 300)), rng.normal(0, 1, 100)])
    highs = np.concatenate([10.0 ** rng.uniform(-12, 6, 300), rng.normal(0, 1, 100)])
    lower, upper = np.minimum(lows, highs)[None], np.maximum(lows, highs)[None]
    lines = kinked(pieces, lower, upper, SOUND)
    a, c = (Fraction(p) for p in pieces)
    for k in range(lower.shape[1]):
        low, high = Fraction(float(lower[0, k])), Fraction(float(upper[0, k]))
        for z in {low, high, min(max(Fraction(0), low), high)}:
            value = z * (c if z > 0 else a)
            assert _line_ok(lines.lo_s[0, k], lines.lo_t[0, k], z, value, below=True)
            assert _line_ok(lines.up_s[0, k], lines.up_t[0, k], z, value, below=False)
    unstable = (lower < 0) & (upper > 0)
    wide_right = upper >= -lower
    assert np.all(lines.lo_s[unstable & wide_right] == pieces[1]) and np.all(
        lines.lo_s[unstable & ~wide_right] == pieces[0]
    )


def test_kinked_upper_line_is_the_chord_up_to_rounding() -> None:
    """Tightness: the upper line is the convex hull's (the chord), its slope within 1e-14 of ``u / (u - l)``."""
    lower, upper = np.array([[-1.0, -3.0, -0.5]]), np.array([[2.0, 1.0, 0.5]])
    lines = kinked((0.0, 1.0), lower, upper, SOUND)
    np.testing.assert_allclose(lines.up_s, upper / (upper - lower), rtol=1e-14)
    np.testing.assert_allclose(lines.up_t, -lower * upper / (upper - lower), rtol=1e-14)


def _tanh_exact(z: float) -> tuple[float, float]:
    import flint

    value = flint.arb(z).tanh()
    return float(value.lower()), float(value.upper())


def test_tanh_lines_are_sound_at_a_dense_grid_and_within_a_documented_gap() -> None:
    """Against arb's rigorous tanh on 200 points of each interval: below/above everywhere; and the gap between
    the lines and tanh is at most that of the plain lines plus 1e-7 of the width (rigour costs next to nothing)."""
    pytest.importorskip("flint")
    rng = np.random.default_rng(4)
    ends = rng.normal(0, 2, (2, 40))
    ends[:, :5] = [[-0.1, 0.2, 1.0, -3.0, 2.0], [0.3, 0.20001, 1.5, -2.0, 2.0]]  # near, at and off the inflection
    lower, upper = np.minimum(*ends)[None], np.maximum(*ends)[None]
    for rounding in (SOUND, PLAIN):
        lines = smooth(Tanh(), lower, upper, rounding)
        for k in range(lower.shape[1]):
            grid = np.linspace(lower[0, k], upper[0, k], 200)
            exact = np.array([_tanh_exact(z) for z in grid])
            low_line = lines.lo_s[0, k] * grid + lines.lo_t[0, k]
            high_line = lines.up_s[0, k] * grid + lines.up_t[0, k]
            if rounding.outward:
                assert np.all(low_line <= exact[:, 0] + 1e-15 * np.abs(low_line)), k
                assert np.all(high_line >= exact[:, 1] - 1e-15 * np.abs(high_line)), k
            if rounding is SOUND:
                plain = smooth(Tanh(), lower, upper, PLAIN)
                plain_gap = np.max(np.tanh(grid) - (plain.lo_s[0, k] * grid + plain.lo_t[0, k]))
                assert np.max(np.tanh(grid) - low_line) <= plain_gap + 1e-7 * (upper[0, k] - lower[0, k]) + 1e-14


def test_a_layer_without_a_rule_is_refused_naming_it() -> None:
    from verified_nn.bounds import BoundsError
    from verified_nn.layers import Activation

    class Wiggle(Activation):
        def function(self, x: Array) -> Array:
            return np.sin(x)

        def derivative(self, x: Array, y: Array) -> Array:
            return np.cos(x)

    with pytest.raises(BoundsError, match="does not declare itself nondecreasing"):
        rule_for(Wiggle()).interval(Wiggle(), Box(np.zeros((1, 2)), np.ones((1, 2))), Context(SOUND))


@pytest.mark.parametrize(("pieces", "low", "high"), list(itertools.product([(0.0, 1.0)], [-1.0, 0.0], [0.0, 1.0])))
def test_kinked_lines_are_exact_where_the_sign_is_known(pieces: tuple[float, float], low: float, high: float) -> None:
    lines = kinked(pieces, np.array([[low]]), np.array([[high]]), SOUND)
    if low >= 0 or high <= 0:
        assert lines.lo_s[0, 0] == lines.up_s[0, 0] and lines.lo_t[0, 0] == lines.up_t[0, 0] == 0
