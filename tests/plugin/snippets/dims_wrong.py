"""Sizes written once as plain numbers: with the plugin, ``Dim(128)`` and ``Dense.init(128, 784, ...)``
carry ``Literal`` sizes, so a composition whose sizes disagree is mypy's own error."""

import numpy as np

from verified_nn.core import Dim
from verified_nn.layers import Dense, ReLU
from verified_nn.network import Network

rng = np.random.default_rng(0)
PIXELS, HIDDEN, OTHER = Dim(784), Dim(128), Dim(100)

Network.of(Dense.init(HIDDEN, PIXELS, rng=rng)).then(ReLU()).then(Dense.init(Dim(10), OTHER, rng=rng))  # E: [arg-type] Argument 2 to "init" of "Dense" has incompatible type "Dim[Literal[100]]"; expected "Dim[Literal[128]]"
Network.of(Dense.init(128, 784, rng=rng)).then(ReLU()).then(Dense.init(10, 100, rng=rng))  # E: [arg-type] Argument 1 to "then" of "Network" has incompatible type "Dense[Literal[10], Literal[100]]"; expected "Layer[tuple[Any, Literal[10]], tuple[Any, Literal[128]]]"
Dense.init(HIDDEN, PIXELS, rng=rng).forward(rng.random((64, 100)))  # E: [arg-type] Argument 1 to "forward" of "Dense" has incompatible type "ndarray[tuple[Literal[64], Literal[100]], dtype[float64]]"; expected "ndarray[tuple[Literal[64], Literal[784]], dtype[Any]]"
