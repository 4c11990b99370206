"""The Hypothesis profiles of the verification suite, defined once (conftest and ``verify`` use them)."""

import os

from hypothesis import HealthCheck, settings


def load_profile() -> str:
    """Register ``ci`` (derandomized, 40 examples) and ``thorough`` (500); load $HYPOTHESIS_PROFILE or ci."""
    settings.register_profile(
        "ci", derandomize=True, max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    settings.register_profile("thorough", max_examples=500, deadline=None)
    name = os.environ.get("HYPOTHESIS_PROFILE", "ci")
    settings.load_profile(name)
    return name
