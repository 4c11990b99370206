"""Shape vocabulary, activations and losses: the pieces of verified-nn that import nothing of ours."""

from ._activations import (
    DEFAULT_LEAKY_SLOPE as DEFAULT_LEAKY_SLOPE,
)
from ._activations import (
    RELU as RELU,
)
from ._activations import (
    Activation as Activation,
)
from ._activations import (
    leaky_relu as leaky_relu,
)
from ._activations import (
    leaky_relu_activation as leaky_relu_activation,
)
from ._activations import (
    leaky_relu_derivative as leaky_relu_derivative,
)
from ._activations import (
    relu as relu,
)
from ._activations import (
    relu_derivative as relu_derivative,
)
from ._checking import (
    ENVIRONMENT_VARIABLE as ENVIRONMENT_VARIABLE,
)
from ._checking import (
    RUNTIME_CHECKS as RUNTIME_CHECKS,
)
from ._checking import (
    checked as checked,
)
from ._checking import (
    checked_dataclass as checked_dataclass,
)
from ._checking import (
    is_checked as is_checked,
)
from ._errors import InvalidArgumentError as InvalidArgumentError
from ._errors import ShapeError as ShapeError
from ._loss import (
    cross_entropy as cross_entropy,
)
from ._loss import (
    cross_entropy_and_gradient as cross_entropy_and_gradient,
)
from ._loss import (
    cross_entropy_gradient as cross_entropy_gradient,
)
from ._shapes import (
    HIDDEN_DIM as HIDDEN_DIM,
)
from ._shapes import (
    INPUT_DIM as INPUT_DIM,
)
from ._shapes import (
    NUM_CLASSES as NUM_CLASSES,
)
from ._shapes import (
    Bias1 as Bias1,
)
from ._shapes import (
    Bias2 as Bias2,
)
from ._shapes import (
    ClassDim as ClassDim,
)
from ._shapes import (
    FloatArray as FloatArray,
)
from ._shapes import (
    FloatDType as FloatDType,
)
from ._shapes import (
    Floating as Floating,
)
from ._shapes import (
    FloatT as FloatT,
)
from ._shapes import (
    Hidden as Hidden,
)
from ._shapes import (
    HiddenBatch as HiddenBatch,
)
from ._shapes import (
    HiddenDim as HiddenDim,
)
from ._shapes import (
    Image as Image,
)
from ._shapes import (
    ImageBatch as ImageBatch,
)
from ._shapes import (
    InputDim as InputDim,
)
from ._shapes import (
    IntDType as IntDType,
)
from ._shapes import (
    LabelBatch as LabelBatch,
)
from ._shapes import (
    Logits as Logits,
)
from ._shapes import (
    LogitsBatch as LogitsBatch,
)
from ._shapes import (
    Probabilities as Probabilities,
)
from ._shapes import (
    ProbabilitiesBatch as ProbabilitiesBatch,
)
from ._shapes import (
    ShapeT as ShapeT,
)
from ._shapes import (
    Weights1 as Weights1,
)
from ._shapes import (
    Weights2 as Weights2,
)
from ._shapes import (
    as_float_array as as_float_array,
)
from ._shapes import (
    as_image as as_image,
)
from ._shapes import (
    as_image_batch as as_image_batch,
)
from ._shapes import (
    as_labels as as_labels,
)
from ._softmax import log_softmax as log_softmax
from ._softmax import logsumexp as logsumexp
from ._softmax import softmax as softmax
from ._softmax import softmax_unchecked as softmax_unchecked
