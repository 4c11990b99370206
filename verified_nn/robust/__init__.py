"""Certified training: interval (IBP) and CROWN-IBP bounds of a network over an eps-ball, the certified
loss mixing them with the clean loss, its hand-written backward pass, and the eps/kappa schedule.

The rigorous, float-sound certificate of a trained network is ``verified_nn.certify``'s; the bounds here
are plain float arithmetic, made to be differentiated (docs/certification.md, "Certified training").
"""

from ._check import check_certified_gradients as check_certified_gradients
from ._crown import crown_margins as crown_margins, relaxation as relaxation, specification as specification
from ._interval import (
    DENSE_RULE as DENSE_RULE,
    MONOTONE_ACTIVATION as MONOTONE_ACTIVATION,
    IntervalRule as IntervalRule,
    interval_backward as interval_backward,
    interval_forward as interval_forward,
    interval_rule as interval_rule,
    register_interval_rule as register_interval_rule,
)
from ._loss import (
    METHODS as METHODS,
    CertifiedLoss as CertifiedLoss,
    certified_loss as certified_loss,
    certified_loss_and_gradients as certified_loss_and_gradients,
    check_supported as check_supported,
    input_box as input_box,
    interval_verified as interval_verified,
    worst_case_logits as worst_case_logits,
)
from ._margins import interval_margins as interval_margins
from ._schedule import Ramp as Ramp
