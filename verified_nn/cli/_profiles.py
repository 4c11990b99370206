"""The Hypothesis profiles of the verification suite, defined once (conftest and ``verify`` use them)."""

import os

from hypothesis import HealthCheck, Phase, settings


def load_profile() -> str:
    """Register ``ci`` (derandomized, 40 examples), ``thorough`` (500) and ``mutation`` (derandomized, 12);
    load $HYPOTHESIS_PROFILE, or ci."""
    settings.register_profile(
        "ci", derandomize=True, max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    settings.register_profile("thorough", max_examples=500, deadline=None)
    # For mutation testing: derandomized like ci (each mutant's verdict reproducible), fewer examples.
    # Shrinking is skipped: a mutant's verdict needs a failing example, not the smallest one, and
    # shrinking a failure can outlast mutmut's timeout.
    settings.register_profile(
        "mutation",
        derandomize=True,
        max_examples=12,
        deadline=None,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow],
    )
    name = os.environ.get("HYPOTHESIS_PROFILE", "ci")
    settings.load_profile(name)
    return name
