"""Shape vocabulary, activations and losses: the pieces of verified-nn that import nothing of ours."""

from ._activations import (
    DEFAULT_LEAKY_SLOPE as DEFAULT_LEAKY_SLOPE,
    check_slope as check_slope,
    leaky_relu as leaky_relu,
    leaky_relu_derivative as leaky_relu_derivative,
    relu as relu,
    relu_derivative as relu_derivative,
    tanh as tanh,
    tanh_derivative as tanh_derivative,
)
from ._checking import (
    ENVIRONMENT_VARIABLE as ENVIRONMENT_VARIABLE,
    RUNTIME_CHECKS as RUNTIME_CHECKS,
    checked as checked,
    checked_dataclass as checked_dataclass,
    describe as describe,
    is_checked as is_checked,
)
from ._dims import Dim as Dim, size_of as size_of
from ._errors import InvalidArgumentError as InvalidArgumentError, ShapeError as ShapeError
from ._extras import MissingExtraError as MissingExtraError, require_extra as require_extra
from ._loss import (
    cross_entropy as cross_entropy,
    cross_entropy_and_gradient as cross_entropy_and_gradient,
    cross_entropy_gradient as cross_entropy_gradient,
)
from ._machine import Machine as Machine
from ._shapes import (
    INPUT_DIM as INPUT_DIM,
    NUM_CLASSES as NUM_CLASSES,
    ClassDim as ClassDim,
    Features as Features,
    FloatArray as FloatArray,
    FloatDType as FloatDType,
    Floating as Floating,
    FloatT as FloatT,
    Image as Image,
    ImageBatch as ImageBatch,
    InputDim as InputDim,
    IntDType as IntDType,
    LabelBatch as LabelBatch,
    Logits as Logits,
    LogitsBatch as LogitsBatch,
    OfDType as OfDType,
    Probabilities as Probabilities,
    ProbabilitiesBatch as ProbabilitiesBatch,
    ShapeT as ShapeT,
    as_float_array as as_float_array,
    as_image as as_image,
    as_image_batch as as_image_batch,
    as_labels as as_labels,
)
from ._softmax import (
    log_softmax as log_softmax,
    logsumexp as logsumexp,
    softmax as softmax,
    softmax_unchecked as softmax_unchecked,
)
from ._threads import (
    AUTO as AUTO,
    ThreadChoice as ThreadChoice,
    Threads as Threads,
    blas_threads as blas_threads,
    check_threads as check_threads,
    choose_threads as choose_threads,
    in_parallel as in_parallel,
    machine_state as machine_state,
    workers as workers,
)
