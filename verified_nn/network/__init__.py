"""Dense layers, the 784 -> 128 -> 10 MLP, initialisation, manual backprop and parameter vectors."""

from ._backprop import backprop as backprop
from ._backprop import loss as loss
from ._backprop import loss_and_gradients as loss_and_gradients
from ._dense import (
    Dense as Dense,
)
from ._dense import (
    DenseCache as DenseCache,
)
from ._dense import (
    dense_backward as dense_backward,
)
from ._dense import (
    dense_forward as dense_forward,
)
from ._flatten import (
    BLOCK_SHAPES as BLOCK_SHAPES,
)
from ._flatten import (
    PARAMETER_COUNT as PARAMETER_COUNT,
)
from ._flatten import (
    ParameterVector as ParameterVector,
)
from ._flatten import (
    as_parameter_vector as as_parameter_vector,
)
from ._flatten import (
    flatten as flatten,
)
from ._flatten import (
    unflatten as unflatten,
)
from ._init import float_dtype as float_dtype
from ._init import he_init as he_init
from ._mlp import MLP as MLP
from ._tree import (
    BLOCK_NAMES as BLOCK_NAMES,
)
from ._tree import (
    from_parameters as from_parameters,
)
from ._tree import (
    global_norm as global_norm,
)
from ._tree import (
    map_parameters as map_parameters,
)
from ._tree import (
    parameters as parameters,
)
