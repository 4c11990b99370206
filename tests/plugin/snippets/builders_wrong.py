"""An MLP from ``mlp(...)`` fed the wrong width, and convolutions of plain ints that do not chain."""

import numpy as np

from verified_nn.layers import Conv2D
from verified_nn.network import Network, mlp

rng = np.random.default_rng(0)
network = mlp((784, 128, 10), rng=rng)
network.logits(rng.random((64, 100)))  # E: [arg-type] Argument 1 to "logits" of "Network" has incompatible type "ndarray[tuple[Literal[64], Literal[100]], dtype[float64]]"; expected "ndarray[tuple[Any, Literal[784]], dtype[Any]]"
Network.of(Conv2D.init(32, 1, kernel=5, rng=rng)).then(Conv2D.init(64, 16, kernel=5, rng=rng))  # E: [arg-type] Argument 1 to "then" of "Network" has incompatible type "Conv2D[Literal[64], Literal[16]]"; expected "Layer[tuple[Any, Literal[64], Any, Any], tuple[Any, Literal[32], Any, Any]]"
