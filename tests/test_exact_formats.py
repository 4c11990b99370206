"""The rounding constants: gamma is never below n u / (1 - n u), and only float32/float64 are formats."""

from fractions import Fraction

import numpy as np
import pytest

from verified_nn.exact import FLOAT32, FLOAT64, FloatCheckError, float_format, gamma


def test_the_formats_have_their_ieee_constants() -> None:
    assert float_format(np.float32) is FLOAT32 and float_format("float64") is FLOAT64
    assert (
        FLOAT32.unit_roundoff == np.finfo(np.float32).eps / 2 and FLOAT32.smallest_normal == np.finfo(np.float32).tiny
    )
    assert (
        FLOAT64.unit_roundoff == np.finfo(np.float64).eps / 2 and FLOAT64.smallest_normal == np.finfo(np.float64).tiny
    )
    assert (FLOAT32.precision, FLOAT64.precision) == (24, 53)


def test_other_dtypes_are_refused() -> None:
    with pytest.raises(FloatCheckError, match="float32 or float64, got float16"):
        float_format(np.float16)


@pytest.mark.parametrize("u", [2.0**-24, 2.0**-53])
def test_gamma_is_rounded_upward(u: float) -> None:
    counts = np.array([0, 1, 2, 3, 127, 784, 1000, 12345, 2**20])
    values = gamma(counts, u)
    for n, value in zip(counts.tolist(), values.tolist(), strict=True):
        real = Fraction(n) * Fraction(u) / (1 - Fraction(n) * Fraction(u))
        assert Fraction(value) >= real
        assert Fraction(value) <= real * (1 + Fraction(2) ** -50)


def test_gamma_is_infinite_when_n_u_reaches_one() -> None:
    assert gamma(np.array([2**24, 2**25]), 2.0**-24).tolist() == [np.inf, np.inf]
