"""Floats against reals: does the float forward pass predict the class exact real arithmetic gives?

A rigorous, order-independent bound on every logit's rounding error decides most images at the cost
of a few matrix products; the rest are settled by an exact forward pass (integers scaled by powers
of two, or arb balls for tanh). See docs/float-check.md.
"""

from ._adapter import from_network as from_network
from ._audit import Audit as Audit, audit as audit
from ._balls import PRECISIONS as PRECISIONS, ball_classes as ball_classes, flint_available as flint_available
from ._bound import (
    MAX_WIDTH as MAX_WIDTH,
    SAFETY as SAFETY,
    TANH_ULPS as TANH_ULPS,
    logit_error_bounds as logit_error_bounds,
)
from ._check import float_check as float_check
from ._decide import NO_CLASS as NO_CLASS, decided_by_bound as decided_by_bound, float_classes as float_classes
from ._environment import probe_float_environment as probe_float_environment
from ._errors import FloatCheckError as FloatCheckError
from ._float_pass import FloatPass as FloatPass, plain_forward as plain_forward, run_float_pass as run_float_pass
from ._formats import (
    FLOAT32 as FLOAT32,
    FLOAT64 as FLOAT64,
    FloatFormat as FloatFormat,
    float_format as float_format,
    gamma as gamma,
)
from ._network import (
    RELU as RELU,
    TANH as TANH,
    Affine as Affine,
    DenseNetwork as DenseNetwork,
    FloatForward as FloatForward,
    Nonlinearity as Nonlinearity,
    leaky_relu as leaky_relu,
)
from ._rational import Scaled as Scaled, exact_classes as exact_classes, exact_logits as exact_logits, scaled as scaled
from ._report import FloatCheckReport as FloatCheckReport, Outcome as Outcome
