"""The schedule of certified training: eps ramps up after a warm-up, the clean loss's weight ramps down.

``t = clip((progress - warmup) / ramp, 0, 1)``, where ``progress`` counts epochs done (fractional within
an epoch, so the ramp is smooth across batches); then ``eps(t) = t eps``, ``kappa(t) = 1 - t (1 - kappa)``
and ``beta(t) = 1 - t (1 - beta)`` (Gowal et al. 2018 ramp eps and kappa together; Zhang et al. 2020 ramp
CROWN-IBP's beta from 1 with them). During the warm-up (``t = 0``) training is plain: ``kappa = 1``.
"""

import dataclasses
import math

from verified_nn.core import InvalidArgumentError


@dataclasses.dataclass(frozen=True)
class Ramp:
    """Where certified training's eps, kappa and beta stand at any point of a run."""

    eps: float  # the final radius
    warmup: float = 1.0  # epochs of plain training before eps starts growing
    ramp: float = 4.0  # epochs over which eps grows linearly from 0 to its final value
    kappa: float = 0.5  # the final weight of the clean loss (it starts at 1)
    beta: float = 0.0  # the final weight of CROWN-IBP against IBP (it starts at 1); crown-ibp only

    def __post_init__(self) -> None:
        checks = (
            (math.isfinite(self.eps) and self.eps > 0, f"eps must be > 0, got {self.eps}"),
            (math.isfinite(self.warmup) and self.warmup >= 0, f"warmup must be >= 0 epochs, got {self.warmup}"),
            (math.isfinite(self.ramp) and self.ramp >= 0, f"ramp must be >= 0 epochs, got {self.ramp}"),
            (0 <= self.kappa <= 1, f"kappa must lie in [0, 1], got {self.kappa}"),
            (0 <= self.beta <= 1, f"beta must lie in [0, 1], got {self.beta}"),
        )
        for holds, message in checks:
            if not holds:
                raise InvalidArgumentError(f"certified training: {message}")

    def fraction(self, progress: float) -> float:
        """``t`` in [0, 1] after ``progress`` epochs."""
        if progress < self.warmup:
            return 0.0
        if self.ramp == 0 or progress >= self.warmup + self.ramp:  # the full radius from the ramp's end on
            return 1.0
        return min(1.0, (progress - self.warmup) / self.ramp)

    def at(self, progress: float) -> tuple[float, float, float]:
        """``(eps, kappa, beta)`` after ``progress`` epochs."""
        t = self.fraction(progress)
        # Written from the far end (and capped at 1) so that rounding keeps them within [final, 1], exact at t = 1,
        # and monotone in t.
        return (
            self.eps * t,
            min(1.0, self.kappa + (1 - t) * (1 - self.kappa)),
            min(1.0, self.beta + (1 - t) * (1 - self.beta)),
        )
