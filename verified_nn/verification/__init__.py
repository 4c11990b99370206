"""Gradient checking by central finite differences, and the reports it produces."""

from ._check import (
    FULL_CHECK_LIMIT as FULL_CHECK_LIMIT,
    check_gradient as check_gradient,
    check_jacobian as check_jacobian,
)
from ._finite_difference import (
    DEFAULT_FLOOR as DEFAULT_FLOOR,
    DEFAULT_STEP as DEFAULT_STEP,
    DEFAULT_TOLERANCE as DEFAULT_TOLERANCE,
    directional_derivative as directional_derivative,
    relative_error as relative_error,
)
from ._network import check_network_gradients as check_network_gradients
from ._piecewise import (
    PiecewiseLoss as PiecewiseLoss,
    check_piecewise_gradient as check_piecewise_gradient,
    kink_free_derivative as kink_free_derivative,
)
from ._report import GradientCheckError as GradientCheckError, GradientCheckReport as GradientCheckReport
