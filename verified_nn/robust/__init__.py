"""Certified training: the certified loss mixing the clean loss with the cross-entropy of worst-case logits
bounded by intervals (IBP) or CROWN-IBP over an eps-ball, its gradient, and the eps/kappa schedule.

The bounds and their hand-written backward passes are the bound core's (``verified_nn.bounds``), in plain
float arithmetic made to be differentiated; the rigorous, float-sound certificate of a trained network is
``verified_nn.certify``'s (docs/certification.md, "Certified training").
"""

from ._check import check_certified_gradients as check_certified_gradients
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
from ._schedule import Ramp as Ramp
