"""The eps-ball: exact radii from text, exact membership, an outer float64 box around it and an inner box
of the network's dtype inside it."""

from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from verified_nn.certify import CertifyError, linf_ball, parse_eps


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
        ("2", r"eps must lie in \[0, 1\], got 2"),
        ("-1/255", r"eps must lie in \[0, 1\], got -1/255"),
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
    with pytest.raises(CertifyError, match=r"pixels must lie in \[0, 1\]"):
        linf_ball(np.array([1.5]), Fraction(1, 10))
    with pytest.raises(CertifyError, match=r"float32 or float64 array, got int64\[2\]"):
        linf_ball(np.array([0, 1]), Fraction(1, 10))
