"""Dense layers, the 784 -> 128 -> 10 MLP, initialisation, manual backprop and parameter vectors."""

from ._backprop import backprop as backprop, loss as loss, loss_and_gradients as loss_and_gradients
from ._dense import (
    Dense as Dense,
    DenseCache as DenseCache,
    dense_backward as dense_backward,
    dense_forward as dense_forward,
)
from ._flatten import (
    BLOCK_SHAPES as BLOCK_SHAPES,
    PARAMETER_COUNT as PARAMETER_COUNT,
    ParameterVector as ParameterVector,
    as_parameter_vector as as_parameter_vector,
    flatten as flatten,
    unflatten as unflatten,
)
from ._init import float_dtype as float_dtype, he_init as he_init
from ._mlp import MLP as MLP
from ._tree import (
    BLOCK_NAMES as BLOCK_NAMES,
    from_parameters as from_parameters,
    global_norm as global_norm,
    map_parameters as map_parameters,
    parameters as parameters,
)
