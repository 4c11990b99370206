"""Certified robustness of trained networks: an attack, bounds, and an exact verifier, sound for floats.

For an input and an L-infinity ball around it (clipped to the inputs' range, [0, 1] for pixels): a
projected-gradient attack, interval bounds, linear bounds with optimised slopes (all from
``verified_nn.bounds``, rounded outward and counting the deployed network's float rounding), and the bound
core's branch-and-bound for what the bounds leave open (docs/certification.md). Any network whose layers
have bound rules; the complete stage's exact programs need scipy (the ``certify`` extra) and are used
where the layers are piecewise linear (tanh and sigmoid networks are split only).
"""

from ._attack import (
    AttackConfig as AttackConfig,
    AttackResult as AttackResult,
    confirmed as confirmed,
    margin_and_gradient as margin_and_gradient,
    pgd_attack as pgd_attack,
)
from ._ball import (
    MAX_INPUT as MAX_INPUT,
    PIXELS as PIXELS,
    UNBOUNDED as UNBOUNDED,
    Ball as Ball,
    InputRange as InputRange,
    linf_ball as linf_ball,
    parse_eps as parse_eps,
    parse_input_range as parse_input_range,
)
from ._dask import certify_on_cluster as certify_on_cluster, map_on_cluster as map_on_cluster
from ._driver import (
    COUNTEREXAMPLE as COUNTEREXAMPLE,
    FLOAT_UNDECIDED as FLOAT_UNDECIDED,
    METHODS as METHODS,
    MISCLASSIFIED as MISCLASSIFIED,
    STATUSES as STATUSES,
    TIMEOUT as TIMEOUT,
    UNDECIDED as UNDECIDED,
    VERIFIED as VERIFIED,
    CertifyConfig as CertifyConfig,
    ImageResult as ImageResult,
    certify_image as certify_image,
    certify_images as certify_images,
    check_certifiable as check_certifiable,
    check_solver as check_solver,
)
from ._errors import CertifyError as CertifyError
from ._png import png_bytes as png_bytes, side_by_side as side_by_side, write_png as write_png
from ._processes import map_in_processes as map_in_processes, single_blas_thread as single_blas_thread
from ._report import Summary as Summary, as_json as as_json, format_table as format_table, summarize as summarize
from ._scheduler import (
    DEFAULT_CONNECT_TIMEOUT as DEFAULT_CONNECT_TIMEOUT,
    SchedulerAddress as SchedulerAddress,
    parse_address as parse_address,
    probe_scheduler as probe_scheduler,
)
