"""Networks of any depth built from layers (MLPs and CNNs), labelled batches, manual backprop, and parameter trees."""

from ._backprop import backprop as backprop, batch_loss as batch_loss
from ._batch import Batch as Batch, Unlabelled as Unlabelled
from ._build import (
    CLASSES as CLASSES,
    HIDDEN as HIDDEN,
    INPUT as INPUT,
    DefaultNetwork as DefaultNetwork,
    default_network as default_network,
    float_dtype as float_dtype,
    mlp as mlp,
)
from ._cnn import cnn as cnn
from ._network import Network as Network
from ._tree import (
    ParameterVector as ParameterVector,
    check_same_structure as check_same_structure,
    flatten as flatten,
    global_norm as global_norm,
    map_parameters as map_parameters,
    map_unchecked as map_unchecked,
    parameter_count as parameter_count,
    parameter_names as parameter_names,
    parameters as parameters,
    unflatten as unflatten,
)
