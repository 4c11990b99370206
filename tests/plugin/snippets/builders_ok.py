"""Networks built by the library's builders are typed by their widths; a network keeps the batch size."""

from typing import Any, Literal, assert_type

import numpy as np

from verified_nn.layers import Conv2D
from verified_nn.network import Network, mlp

rng = np.random.default_rng(0)
network = mlp((784, 128, 10), rng=rng)
assert_type(network, Network[tuple[Any, Literal[10]], tuple[Any, Literal[784]]])
x = rng.random((64, 784))
assert_type(network.logits(x).shape, tuple[Literal[64], Literal[10]])
assert_type(network.probabilities(x).shape, tuple[Literal[64], Literal[10]])
assert_type(network.predict(x).shape, tuple[Literal[64]])
assert_type(Conv2D.init(64, 16, kernel=5, rng=rng), Conv2D[Literal[64], Literal[16]])
widths = [784, 10]
assert_type(mlp(widths, rng=rng), Network[Any, Any])  # widths that are not literal: any network
