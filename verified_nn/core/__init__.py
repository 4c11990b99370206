"""Shape vocabulary, activations and losses: the pieces of verified-nn that import nothing of ours."""

from ._activations import (
    DEFAULT_LEAKY_SLOPE as DEFAULT_LEAKY_SLOPE,
    RELU as RELU,
    Activation as Activation,
    leaky_relu as leaky_relu,
    leaky_relu_activation as leaky_relu_activation,
    leaky_relu_derivative as leaky_relu_derivative,
    relu as relu,
    relu_derivative as relu_derivative,
)
from ._checking import (
    ENVIRONMENT_VARIABLE as ENVIRONMENT_VARIABLE,
    RUNTIME_CHECKS as RUNTIME_CHECKS,
    checked as checked,
    checked_dataclass as checked_dataclass,
    is_checked as is_checked,
)
from ._errors import InvalidArgumentError as InvalidArgumentError, ShapeError as ShapeError
from ._loss import (
    cross_entropy as cross_entropy,
    cross_entropy_and_gradient as cross_entropy_and_gradient,
    cross_entropy_gradient as cross_entropy_gradient,
)
from ._shapes import (
    HIDDEN_DIM as HIDDEN_DIM,
    INPUT_DIM as INPUT_DIM,
    NUM_CLASSES as NUM_CLASSES,
    Bias1 as Bias1,
    Bias2 as Bias2,
    ClassDim as ClassDim,
    FloatArray as FloatArray,
    FloatDType as FloatDType,
    Floating as Floating,
    FloatT as FloatT,
    Hidden as Hidden,
    HiddenBatch as HiddenBatch,
    HiddenDim as HiddenDim,
    Image as Image,
    ImageBatch as ImageBatch,
    InputDim as InputDim,
    IntDType as IntDType,
    LabelBatch as LabelBatch,
    Logits as Logits,
    LogitsBatch as LogitsBatch,
    Probabilities as Probabilities,
    ProbabilitiesBatch as ProbabilitiesBatch,
    ShapeT as ShapeT,
    Weights1 as Weights1,
    Weights2 as Weights2,
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
