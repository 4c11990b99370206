"""Floats against reals: does the float forward pass predict the class exact real arithmetic gives?

The bound core encloses every real logit rigorously at each image (float64, rounded outward), which
decides nearly every image at the cost of a few matrix products; the rest are settled by an exact forward
pass (integers scaled by powers of two, or arb balls past tanh and sigmoid). See docs/float-check.md.
"""

from ._audit import Audit as Audit, audit as audit
from ._balls import (
    PRECISIONS as PRECISIONS,
    ball_classes as ball_classes,
    flint_available as flint_available,
    rational as rational,
)
from ._check import describe as describe, float_check as float_check
from ._decide import NO_CLASS as NO_CLASS, decided_by_bound as decided_by_bound, float_classes as float_classes
from ._enclose import logit_bounds as logit_bounds
from ._environment import probe_float_environment as probe_float_environment
from ._errors import FloatCheckError as FloatCheckError
from ._rational import exact_classes as exact_classes, exact_logits as exact_logits, exact_values as exact_values
from ._report import FloatCheckReport as FloatCheckReport, Outcome as Outcome
