"""The enclosures that decide the float check: every real logit lies inside (exactly), they are a few float64
roundings wide, and without the core's outward rounding a real logit can fall outside (the test catches it)."""

from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from exact_cases import fraction_logits, random_case

import verified_nn.exact._enclose as enclose_module
from verified_nn.bounds import Rounding
from verified_nn.exact import logit_bounds
from verified_nn.exact._enclose import enclose
from verified_nn.layers import Dense
from verified_nn.network import Network

Array = np.ndarray[Any, Any]


def _violations(network: Network[Any, Any], inputs: Array) -> tuple[int, float]:
    """``(logits outside their enclosure, widest enclosure relative to its logit)``, exactly."""
    lower, upper = enclose(network, inputs)
    outside, widest = 0, 0.0
    for i, row in enumerate(fraction_logits(network, inputs)):
        for j, real in enumerate(row):
            outside += not Fraction(float(lower[i, j])) <= real <= Fraction(float(upper[i, j]))
            widest = max(widest, float(upper[i, j] - lower[i, j]) / (1 + abs(float(real))))
    return outside, widest


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_real_logits_lie_in_enclosures_a_few_roundings_wide(dtype: Any) -> None:
    rng = np.random.default_rng(5)
    for _ in range(200):
        network, inputs = random_case(rng, dtype)
        outside, widest = _violations(network, inputs)
        assert outside == 0 and widest < 1e-12


def test_the_error_bound_is_the_actual_error_up_to_the_enclosure() -> None:
    """``max(z^ - lower, upper - z^)`` is at least ``|z^ - z|`` and at most that plus the enclosure's width."""
    rng = np.random.default_rng(6)
    for _ in range(100):
        network, inputs = random_case(rng, np.float32)
        logits = network.logits(inputs)
        bounds = logit_bounds(network, inputs, logits)
        lower, upper = enclose(network, inputs)
        for i, row in enumerate(fraction_logits(network, inputs)):
            for j, real in enumerate(row):
                error = abs(Fraction(float(logits[i, j])) - real)
                assert error <= Fraction(float(bounds[i, j])) <= error + Fraction(float(upper[i, j] - lower[i, j])) * 2


def test_without_outward_rounding_a_real_logit_falls_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    """``1 + 2^-60`` rounds to 1 in float64: plain arithmetic would enclose the logit in ``[1, 1]``."""
    network: Network[Any, Any] = Network((Dense(weights=np.array([[1.0, 2.0**-60]]), bias=np.zeros(1)),))
    inputs = np.ones((1, 2))
    assert _violations(network, inputs)[0] == 0
    monkeypatch.setattr(enclose_module, "REAL", Rounding.none(np.float64))
    assert _violations(network, inputs)[0] == 1
