"""Validation of optimizer hyperparameters: one clear InvalidArgumentError naming the setting."""

import math

from verified_nn.core import InvalidArgumentError


def require_positive(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not (math.isfinite(value) and value > 0):
        raise InvalidArgumentError(f"{name} must be a finite number > 0, got {value!r}")


def require_non_negative(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not (math.isfinite(value) and value >= 0):
        raise InvalidArgumentError(f"{name} must be a finite number >= 0, got {value!r}")


def require_fraction(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not (math.isfinite(value) and 0 <= value < 1):
        raise InvalidArgumentError(f"{name} must lie in [0, 1), got {value!r}")
