"""The correct twins of ``cnn_sizes_wrong.py``, and windows of every form (pairs, strides, padding, a pooling
of stride None, a convolution built from its weights): each layer's sizes computed, nothing refused. What
the plugin cannot compute (a size that is not literal, a layer list built at run time) stays unknown."""

from typing import Any, Literal, assert_type

import numpy as np

from verified_nn.layers import AvgPool2D, Conv2D, Dense, Dropout, Flatten, Layer, MaxPool2D, ReLU, Reshape
from verified_nn.network import Network, cnn

rng = np.random.default_rng(0)
lenet = (
    Network.of(Reshape((1, 28, 28)))
    .then(Conv2D.init(32, 1, kernel=5, padding=2, rng=rng))
    .then(ReLU())
    .then(MaxPool2D(2))
    .then(Conv2D.init(64, 32, kernel=5, padding=2, rng=rng))
    .then(ReLU())
    .then(MaxPool2D(2))
    .then(Flatten())
    .then(Dense.init(128, 3136, rng=rng))
    .then(ReLU())
    .then(Dense.init(10, 128, rng=rng))
)
assert_type(lenet, Network[tuple[Any, Literal[10]], tuple[Any, Literal[784]]])
assert_type(lenet.logits(rng.random((64, 784))).shape, tuple[Literal[64], Literal[10]])
unpooled = Network((Reshape((1, 28, 28)), Conv2D.init(8, 1, kernel=3, rng=rng), Flatten(), Dense.init(10, 5408, rng=rng)))
assert_type(unpooled, Network[tuple[Any, Literal[10]], tuple[Any, Literal[784]]])
pooled = (Reshape((1, 28, 28)), Conv2D.init(8, 1, kernel=3, rng=rng), MaxPool2D(2), Flatten(), Dense.init(10, 1352, rng=rng))
assert_type(Network(pooled), Network[tuple[Any, Literal[10]], tuple[Any, Literal[784]]])
# a kernel exactly the input's size; a pooling whose padding lets the window fit
assert_type(Network.of(Reshape((1, 5, 5))).then(Conv2D.init(8, 1, kernel=5, rng=rng)).then(Flatten()).then(Dense.init(2, 8, rng=rng)), Network[tuple[Any, Literal[2]], tuple[Any, Literal[25]]])
assert_type(Network.of(Reshape((2, 6, 1))).then(MaxPool2D(2, padding=1)).then(Flatten()).then(Dense.init(2, 8, rng=rng)), Network[tuple[Any, Literal[2]], tuple[Any, Literal[12]]])
# (32 + 2 - 3) // 1 + 1 = 32; (32 + 2 - 3) // 3 + 1 = 11; 11 with a "same" 5x5; (11 - 2) // 2 + 1 = 5
mixed = (
    Network.of(Reshape((3, 32, 32)))
    .then(Conv2D.init(16, 3, kernel=(3, 3), stride=(1, 1), padding=(1, 1), rng=rng))
    .then(AvgPool2D(3, stride=None, padding=1))
    .then(Conv2D.init(16, 16, kernel=5, padding=2, rng=rng))
    .then(MaxPool2D((2, 2), 2))
    .then(Dropout(0.5))
    .then(Flatten(400))
    .then(Dense.init(10, 16 * 5 * 5, rng=rng))
)
assert_type(mixed, Network[tuple[Any, Literal[10]], tuple[Any, Literal[3072]]])
conv = Conv2D(weights=np.zeros((4, 3, 5, 5), dtype=np.float32), bias=np.zeros(4, dtype=np.float32), padding=2)
assert_type(conv, Conv2D[Literal[4], Literal[3]])
from_weights = Network.of(Reshape((3, 8, 8))).then(conv).then(Flatten()).then(Dense.init(2, 4 * 8 * 8, rng=rng))
assert_type(from_weights, Network[tuple[Any, Literal[2]], tuple[Any, Literal[192]]])
assert_type(cnn((8, 8), image=(1, 5, 5), rng=rng), Network[tuple[Any, Literal[10]], tuple[Any, Literal[25]]])
assert_type(cnn((32, 64), rng=rng), Network[tuple[Any, Literal[10]], tuple[Any, Literal[784]]])
assert_type(cnn((8,), image=(3, 32, 32), kernel=3, classes=100, rng=rng), Network[tuple[Any, Literal[100]], tuple[Any, Literal[3072]]])
assert_type(Network.of(Dense.init(784, 100, rng=rng)).then(Reshape((1, 28, 28))).then(Flatten(784)), Network[tuple[Any, Literal[784]], tuple[Any, Literal[100]]])
# a network that starts with a convolution takes images of any size: the flatten width is not known
assert_type(Network.of(Conv2D.init(8, 1, kernel=3, rng=rng)).then(Flatten()).then(Dense.init(10, 3136, rng=rng)), Network[tuple[Any, Literal[10]], tuple[Any, Literal[1], Any, Any]])
layers: list[Layer[Any, Any]] = [Reshape((1, 28, 28)), Conv2D.init(2, 1, kernel=3, rng=rng), Flatten()]
assert_type(Network(tuple(layers)), Network[Any, Any])


def build(size: int, kernel: int) -> None:
    """Sizes known only at run time: nothing computed, nothing refused."""
    network = Network.of(Reshape((1, size, size))).then(Conv2D.init(2, 1, kernel=kernel, rng=rng)).then(Flatten())
    network.then(Dense.init(3, 100, rng=rng))
    Network.of(Reshape((1, 4, 4))).then(Conv2D.init(8, 1, kernel=kernel, rng=rng)).then(MaxPool2D(kernel))
