"""The certified-training schedule: warm-up, linear ramp of eps, kappa and beta, and its refusals."""

import pytest

from verified_nn.core import InvalidArgumentError
from verified_nn.robust import Ramp


def test_eps_kappa_and_beta_ramp_together_after_the_warmup() -> None:
    ramp = Ramp(eps=0.2, warmup=1, ramp=4, kappa=0.5, beta=0.0)
    assert ramp.at(0) == ramp.at(0.999) == (0.0, 1.0, 1.0)
    assert ramp.at(3) == pytest.approx((0.1, 0.75, 0.5))  # half-way through the ramp
    assert ramp.at(5) == ramp.at(9.5) == pytest.approx((0.2, 0.5, 0.0))
    assert Ramp(eps=0.1, warmup=2, ramp=0).at(1.9) == (0.0, 1.0, 1.0)
    assert Ramp(eps=0.1, warmup=2, ramp=0).at(2) == (0.1, 0.5, 0.0)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"eps": 0.0}, r"^certified training: eps must be > 0, got 0\.0$"),
        ({"eps": 0.1, "warmup": -1}, r"warmup must be >= 0 epochs, got -1"),
        ({"eps": 0.1, "ramp": float("inf")}, r"ramp must be >= 0 epochs, got inf"),
        ({"eps": 0.1, "kappa": 2}, r"kappa must lie in \[0, 1\], got 2"),
        ({"eps": 0.1, "beta": -0.5}, r"beta must lie in \[0, 1\], got -0\.5"),
    ],
)
def test_bad_schedules_are_refused(settings: dict[str, float], message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        Ramp(**settings)
