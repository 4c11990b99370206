"""Layers: frozen values with a pure forward/backward pair; dense, convolution, pooling, activations, dropout,
reshaping, and the protocol."""

from ._activation import Activation as Activation, LeakyReLU as LeakyReLU, ReLU as ReLU, Tanh as Tanh
from ._conv import Conv2D as Conv2D
from ._dense import SCHEMES as SCHEMES, Dense as Dense
from ._dropout import Dropout as Dropout
from ._flatten import Flatten as Flatten
from ._layer import (
    EVAL as EVAL,
    Layer as Layer,
    Mode as Mode,
    ShapePreserving as ShapePreserving,
    require_batch as require_batch,
)
from ._normalize import Normalize as Normalize
from ._pool import AvgPool2D as AvgPool2D, MaxPool2D as MaxPool2D, Pool2D as Pool2D
from ._registry import (
    activation_kinds as activation_kinds,
    activation_named as activation_named,
    layer_class as layer_class,
    layer_config as layer_config,
    layer_from_config as layer_from_config,
    layer_kinds as layer_kinds,
    register_layer as register_layer,
)
from ._reshape import Reshape as Reshape
from ._sigmoid import Sigmoid as Sigmoid
from ._window import Maps as Maps, output_size as output_size
