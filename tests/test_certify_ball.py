"""The eps-ball: exact radii from text, exact membership, an outer float64 box around it and an inner box
of the network's dtype inside it."""

from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from verified_nn.certify import PIXELS, UNBOUNDED, CertifyError, InputRange, linf_ball, parse_eps, parse_input_range
from verified_nn.certify._ball import shown


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2/255", Fraction(2, 255)),
        ("0.1", Fraction(1, 10)),
        ("1e-3", Fraction(1, 1000)),
        (" 8/255 ", Fraction(8, 255)),
        ("0", Fraction(0)),
    ],
)
def test_eps_is_parsed_exactly(text: str, value: Fraction) -> None:
    assert parse_eps(text) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("two", "eps must be a number such as 0.01 or a fraction such as 2/255, got 'two'"),
        ("1/0", "got '1/0'"),
        ("-1/255", "eps must be >= 0, got -1/255"),
        ("1//2", "got '1//2'"),
    ],
)
def test_a_bad_eps_is_refused_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(CertifyError, match=message):
        parse_eps(text)


def test_membership_is_exact_at_the_boundary() -> None:
    center = np.array([0.5, 0.0, 1.0], dtype=np.float32)
    ball = linf_ball(center, Fraction(1, 4))
    assert ball.contains(np.array([0.25, 0.25, 0.75], dtype=np.float32))  # exactly on the boundary
    below = np.nextafter(np.float32(0.25), np.float32(0))
    assert not ball.contains(np.array([below, 0.0, 1.0], dtype=np.float32))
    assert not ball.contains(np.array([0.5, -1e-30, 1.0]))  # outside the pixel range
    assert not ball.contains(np.array([0.5, 0.0]))  # wrong shape
    assert not ball.contains(np.array([np.nan, 0.0, 1.0]))


def test_membership_uses_the_exact_radius_not_its_float() -> None:
    # 1/3 lies strictly between two neighbouring floats: exactly one of them is in the ball of radius 1/3.
    ball = linf_ball(np.zeros(1), Fraction(1, 3))
    below, above = sorted([1 / 3, float(np.nextafter(1 / 3, 1 if Fraction(1 / 3) < Fraction(1, 3) else 0))])
    assert Fraction(below) < Fraction(1, 3) < Fraction(above)
    assert ball.contains(np.array([below])) and not ball.contains(np.array([above]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("eps", [Fraction(0), Fraction(2, 255), Fraction(1, 3), Fraction(8, 255)])
def test_the_inner_box_lies_inside_and_the_outer_box_around_the_ball(dtype: type, eps: Fraction) -> None:
    center: np.ndarray[Any, Any] = np.random.default_rng(0).random(200).astype(dtype)
    center[:20] = 0
    center[20:40] = 1
    ball = linf_ball(center, eps)
    assert ball.inner_lower.dtype == ball.inner_upper.dtype == dtype
    assert ball.contains(ball.inner_lower) and ball.contains(ball.inner_upper)
    for i in range(len(center)):
        exact_low = max(Fraction(0), Fraction(float(center[i])) - eps)
        exact_high = min(Fraction(1), Fraction(float(center[i])) + eps)
        assert Fraction(float(ball.lower[i])) <= exact_low and Fraction(float(ball.upper[i])) >= exact_high
        # The inner corner is the dtype number closest to the exact corner from inside (or the centre).
        outside = np.nextafter(ball.inner_lower[i], dtype(-np.inf))
        assert ball.inner_lower[i] == center[i] or Fraction(float(outside)) < exact_low


def test_project_lands_in_the_ball_in_the_dtype() -> None:
    ball = linf_ball(np.full(5, 0.5, dtype=np.float32), Fraction(1, 10))
    projected = ball.project(np.array([0.0, 0.45, 0.6000001, 1.0, 0.5]))
    assert projected.dtype == np.float32 and ball.contains(projected)


def test_a_bad_centre_is_refused() -> None:
    with pytest.raises(CertifyError, match=r"the centre must be finite and lie in the input range \[0, 1\]"):
        linf_ball(np.array([1.5]), Fraction(1, 10))
    with pytest.raises(CertifyError, match=r"float32 or float64 array, got int64\[2\]"):
        linf_ball(np.array([0, 1]), Fraction(1, 10))


@pytest.mark.parametrize(
    ("text", "input_range"),
    [
        ("pixels", PIXELS),
        ("none", UNBOUNDED),
        ("-3:3", InputRange(-3.0, 3.0)),
        ("0:", InputRange(0.0, np.inf)),
        (":2.5", InputRange(-np.inf, 2.5)),
    ],
)
def test_an_input_range_is_parsed(text: str, input_range: InputRange) -> None:
    assert parse_input_range(text) == input_range


@pytest.mark.parametrize("text", ["3", "2:1", "1:1", "a:b", "nan:1", "pixel"])
def test_a_bad_input_range_is_refused(text: str) -> None:
    with pytest.raises(CertifyError, match=f"an input range is pixels, none or LOW:HIGH with low < high, got '{text}'"):
        parse_input_range(text)


def test_a_radius_must_fit_a_bounded_input_range_only() -> None:
    with pytest.raises(CertifyError, match=r"eps must lie in \[0, 1\], got 2"):
        PIXELS.check_radius(Fraction(2))
    with pytest.raises(CertifyError, match=r"eps must lie in \[0, 6\], got 7"):
        InputRange(-3.0, 3.0).check_radius(Fraction(7))
    # 0.6 - 0.5 in floats is 0.09999999999999998: the bound shown is that, not 0.1 (the radius refused).
    with pytest.raises(CertifyError, match=r"eps must lie in \[0, 0.09999999999999998\], got 1/10 = 0.1$"):
        parse_input_range("0.5:0.6").check_radius(Fraction(1, 10))
    UNBOUNDED.check_radius(Fraction(1000))  # a feature's radius may be large
    with pytest.raises(CertifyError, match=r"eps must lie in \[0, 1e\+15\], got more than 1.79769e\+308$"):
        UNBOUNDED.check_radius(parse_eps("1e400"))
    with pytest.raises(CertifyError, match=r"eps must lie in \[0, 1\], got 1.11111e\+59$"):
        PIXELS.check_radius(parse_eps("1" * 60))


def test_an_unbounded_ball_is_not_clipped_and_a_bounded_one_is() -> None:
    center = np.array([0.0, 1.0, -5.0], dtype=np.float32)
    free = linf_ball(center, Fraction(1, 4), UNBOUNDED)
    assert free.contains(np.array([-0.25, 1.25, -5.25], dtype=np.float32))  # beyond [0, 1]: inside
    assert not free.contains(np.array([np.nextafter(np.float32(-0.25), np.float32(-1)), 1.0, -5.0], dtype=np.float32))
    np.testing.assert_array_equal(free.inner_lower, [-0.25, 0.75, -5.25])
    np.testing.assert_array_equal(free.inner_upper, [0.25, 1.25, -4.75])
    clipped = linf_ball(center, Fraction(1, 4), InputRange(-5.1, 1.1))
    assert not clipped.contains(np.array([0.0, 1.2, -5.0], dtype=np.float32))
    assert clipped.contains(np.array([0.0, 1.1, -5.1]))
    with pytest.raises(CertifyError, match=r"the centre must be finite and lie in the input range \[0, 1\]"):
        linf_ball(center, Fraction(1, 4))


def test_membership_stays_exact_far_from_zero() -> None:
    # Near 1e6 a float64 step is 1.2e-10: a fixed absolute threshold of doubt would decide these wrongly.
    center = np.array([1e6])
    eps = Fraction(1, 3)
    ball = linf_ball(center, eps, UNBOUNDED)
    corner = Fraction(10**6) + eps
    below = float(corner) if Fraction(float(corner)) <= corner else float(np.nextafter(float(corner), 0))
    above = float(np.nextafter(below, np.inf))
    assert Fraction(below) <= corner < Fraction(above)
    assert ball.contains(np.array([below])) and not ball.contains(np.array([above]))


def test_a_ball_beyond_the_largest_input_is_refused() -> None:
    with pytest.raises(CertifyError, match=r"eps must lie in \[0, 1e\+15\], got 1000000000000000000000000000000$"):
        linf_ball(np.zeros(3, np.float32), Fraction(10**30), UNBOUNDED)
    with pytest.raises(CertifyError, match=r"takes the ball to 1e\+16, beyond 1e\+15, the largest input"):
        linf_ball(np.array([1e16]), Fraction(1, 10), UNBOUNDED)  # a centre that far is refused as well
    with pytest.raises(CertifyError, match=r"takes the ball to 1.5e\+15, beyond 1e\+15"):
        linf_ball(np.array([5e14]), Fraction(10**15), UNBOUNDED)
    assert linf_ball(np.zeros(3, np.float32), Fraction(10**14), UNBOUNDED).contains(np.full(3, -1e14))


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2/255", "2/255 = 0.00784314"),
        ("0.05", "1/20 = 0.05"),
        ("1.5", "3/2 = 1.5"),
        ("3", "3"),
        ("1e-400", "1e-400"),  # shown as 0 (float) and as a 400-digit fraction (the table) before
        ("1" + "0" * 400, "more than 1.79769e+308"),
    ],
)
def test_a_radius_is_shown_exactly_when_short_and_in_six_digits_else(typed: str, expected: str) -> None:
    assert shown(parse_eps(typed)) == expected
