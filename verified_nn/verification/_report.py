"""The result of a gradient check: the worst relative error, where it was, and the verdict."""

import dataclasses

from verified_nn.core import InvalidArgumentError


class GradientCheckError(AssertionError):
    """An analytic gradient disagrees with its finite-difference estimate beyond the tolerance."""


@dataclasses.dataclass(frozen=True)
class GradientCheckReport:
    """What a gradient check measured."""

    worst_relative_error: float  # max over checked entries of |a - n| / max(|a|, |n|, floor)
    worst_location: str  # which entry or direction gave it, e.g. "W1[3, 401]" or "direction 2"
    analytic: float  # the analytic value there
    numeric: float  # the finite-difference value there
    checked: int  # how many entries or directions were compared
    tolerance: float  # the largest relative error accepted
    step: float  # the finite-difference step h
    skipped_kinks: int = 0  # entries skipped because every tried step straddled a ReLU kink

    def __post_init__(self) -> None:
        if self.checked < 1:
            raise InvalidArgumentError("a gradient check must compare at least one entry")

    @property
    def passed(self) -> bool:
        """True when the worst relative error is within the tolerance."""
        return self.worst_relative_error <= self.tolerance

    def summary(self) -> str:
        """One line: verdict, worst error and where, how many entries."""
        verdict = "ok" if self.passed else "FAILED"
        kinks = f", {self.skipped_kinks} skipped at kinks" if self.skipped_kinks else ""
        return (
            f"{verdict}: worst relative error {self.worst_relative_error:.2e} at {self.worst_location} "
            f"(analytic {self.analytic:.6e}, numeric {self.numeric:.6e}; {self.checked} checked{kinks}; "
            f"tolerance {self.tolerance:.0e}, step {self.step:.0e})"
        )

    def raise_if_failed(self) -> "GradientCheckReport":
        """Raise :class:`GradientCheckError` unless the check passed; return self otherwise."""
        if not self.passed:
            raise GradientCheckError(self.summary())
        return self
