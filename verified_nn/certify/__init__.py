"""Certified robustness of trained networks: bounds, an attack and an exact verifier, sound for floats.

For an image and an L-infinity ball around it (clipped to [0, 1]): interval bounds, linear bounds by
back-substitution, a projected-gradient attack, and a mixed-integer program for what the bounds leave
open, every "verified" accounting for the float rounding of the deployed network (docs/certification.md).
Needs scipy only for the exact verifier (the ``certify`` extra).
"""

from ._adapter import from_model as from_model
from ._attack import (
    AttackConfig as AttackConfig,
    AttackResult as AttackResult,
    confirmed as confirmed,
    margin_and_gradient as margin_and_gradient,
    pgd_attack as pgd_attack,
)
from ._ball import Ball as Ball, linf_ball as linf_ball, parse_eps as parse_eps
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
    single_blas_thread as single_blas_thread,
)
from ._errors import CertifyError as CertifyError
from ._float_error import forward_error as forward_error, required_margins as required_margins
from ._interval import (
    Bounds as Bounds,
    activation_interval as activation_interval,
    affine_interval as affine_interval,
    elided_margins as elided_margins,
    interval_bounds as interval_bounds,
    interval_margins as interval_margins,
)
from ._linear import (
    back_substitute as back_substitute,
    linear_bounds as linear_bounds,
    linear_margins as linear_margins,
    relaxation as relaxation,
    specification as specification,
)
from ._milp import MilpOutcome as MilpOutcome, minimum_margin as minimum_margin
from ._network import DenseNetwork as DenseNetwork
from ._png import png_bytes as png_bytes, side_by_side as side_by_side, write_png as write_png
from ._report import Summary as Summary, as_json as as_json, format_table as format_table, summarize as summarize
from ._rounding import gamma as gamma, unit_roundoff as unit_roundoff
from ._scheduler import (
    DEFAULT_CONNECT_TIMEOUT as DEFAULT_CONNECT_TIMEOUT,
    SchedulerAddress as SchedulerAddress,
    parse_address as parse_address,
    probe_scheduler as probe_scheduler,
)
