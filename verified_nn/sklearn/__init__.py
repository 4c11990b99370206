"""A scikit-learn estimator, ``MLPClassifier``, trained by verified-nn (the optional ``sklearn`` extra)."""

from verified_nn.core import require_extra as _require_extra

_require_extra("sklearn", extra="sklearn", purpose="verified_nn.sklearn", package="scikit-learn")

from ._classifier import MLPClassifier as MLPClassifier  # noqa: E402  (after the check that scikit-learn is there)
