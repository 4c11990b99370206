"""Gradient checking by central finite differences, and the reports it produces."""

from ._check import FULL_CHECK_LIMIT as FULL_CHECK_LIMIT
from ._check import check_gradient as check_gradient
from ._check import check_jacobian as check_jacobian
from ._finite_difference import (
    DEFAULT_FLOOR as DEFAULT_FLOOR,
)
from ._finite_difference import (
    DEFAULT_STEP as DEFAULT_STEP,
)
from ._finite_difference import (
    DEFAULT_TOLERANCE as DEFAULT_TOLERANCE,
)
from ._finite_difference import (
    directional_derivative as directional_derivative,
)
from ._finite_difference import (
    relative_error as relative_error,
)
from ._network import check_network_gradients as check_network_gradients
from ._report import GradientCheckError as GradientCheckError
from ._report import GradientCheckReport as GradientCheckReport
