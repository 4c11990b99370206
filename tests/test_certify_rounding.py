"""The rounding constants and outward steps every bound relies on."""

from fractions import Fraction

import numpy as np
import pytest

from verified_nn.certify import CertifyError, gamma, unit_roundoff
from verified_nn.certify._rounding import down, slack, up


def test_unit_roundoffs_are_half_an_ulp_of_one() -> None:
    assert unit_roundoff(np.float32) == 2.0**-24 and unit_roundoff(np.float64) == 2.0**-53
    assert np.float32(1) + np.float32(unit_roundoff(np.float32)) == 1  # a tie rounds to even: 1
    assert np.float32(1) + np.float32(2 * unit_roundoff(np.float32)) > 1
    with pytest.raises(CertifyError, match="float32 and float64 networks, got float16"):
        unit_roundoff(np.float16)


def test_gamma_is_n_u_over_one_minus_n_u_and_refuses_where_it_has_no_meaning() -> None:
    assert gamma(785, 2.0**-24) == pytest.approx(785 * 2.0**-24 / (1 - 785 * 2.0**-24), rel=1e-15)
    with pytest.raises(CertifyError, match="no forward-error bound for 8388608 terms"):
        gamma(2**23, 2.0**-24)


def test_down_and_up_step_one_float_outward() -> None:
    x = np.array([1.0, -2.5, 0.0])
    assert np.all(down(x) < x) and np.all(up(x) > x)
    assert np.all(np.nextafter(down(x), np.inf) == x)


def test_slack_bounds_the_actual_error_of_a_float64_dot_product() -> None:
    rng = np.random.default_rng(0)
    for _ in range(20):
        a, b = rng.normal(0, 1e3, 500), rng.normal(0, 1, 500)
        exact = sum((Fraction(float(p)) * Fraction(float(q)) for p, q in zip(a, b, strict=True)), Fraction(0))
        error = abs(Fraction(float(a @ b)) - exact)
        assert error <= Fraction(float(slack(np.abs(a) @ np.abs(b), 500)))
