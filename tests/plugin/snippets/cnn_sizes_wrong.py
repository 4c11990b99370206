"""CNNs written with plain ints whose spatial sizes do not fit: with the plugin, mypy computes each layer's
``(n + 2p - k) // s + 1`` and names the sizes (each is a ShapeError at run time, when the network is built)."""

import numpy as np

from verified_nn.layers import Conv2D, Dense, Flatten, MaxPool2D, ReLU, Reshape
from verified_nn.network import Network, cnn

rng = np.random.default_rng(0)
one_block_maps = (
    Network.of(Reshape((1, 28, 28)))
    .then(Conv2D.init(32, 1, kernel=5, padding=2, rng=rng))
    .then(ReLU())
    .then(MaxPool2D(2))
)
one_block = one_block_maps.then(Flatten())
# Flatten() before a Dense sized for two blocks: 32*14*14 = 6272 values per image, not 3136
one_block.then(Dense.init(10, 3136, rng=rng))  # E: [arg-type] Argument 1 to "then" of "Network" has incompatible type "Dense[Literal[10], Literal[3136]]"; expected "Layer[tuple[Any, Literal[10]], tuple[Any, Literal[6272]]]"
# the second block's pooling forgotten: 64*14*14 = 12544
forgot_pool = (
    Network.of(Reshape((1, 28, 28)))
    .then(Conv2D.init(32, 1, kernel=5, padding=2, rng=rng))
    .then(MaxPool2D(2))
    .then(Conv2D.init(64, 32, kernel=5, padding=2, rng=rng))
    .then(Flatten())
)
forgot_pool.then(Dense.init(10, 3136, rng=rng))  # E: [arg-type] Argument 1 to "then" of "Network" has incompatible type "Dense[Literal[10], Literal[3136]]"; expected "Layer[tuple[Any, Literal[10]], tuple[Any, Literal[12544]]]"
# the same mistakes with the layers written out at once
Network((Reshape((1, 28, 28)), Conv2D.init(8, 1, kernel=3, rng=rng), Flatten(), Dense.init(10, 1352, rng=rng)))  # E: [shape] "Network": layer 3, Dense cannot take (5408,): it takes (1352,)
Network((Reshape((1, 28, 28)), Conv2D.init(8, 1, kernel=3, rng=rng), MaxPool2D(2), Flatten(), Dense.init(10, 5408, rng=rng)))  # E: [shape] "Network": layer 4, Dense cannot take (1352,): it takes (5408,)
# a kernel larger than its input: a convolution, a pooling
Network.of(Reshape((1, 4, 4))).then(Conv2D.init(8, 1, kernel=5, rng=rng))  # E: [shape] "then" of "Network": Conv2D(5x5, stride 1, padding 0) cannot take (1, 4, 4): the kernel 5 does not fit the input's height 4: (4 + 2*0 - 5) // 1 + 1 = 0, needs >= 1
Network.of(Reshape((2, 6, 1))).then(MaxPool2D(2))  # E: [shape] "then" of "Network": MaxPool2D(2x2, stride 2, padding 0) cannot take (2, 6, 1): the kernel 2 does not fit the input's width 1: (1 + 2*0 - 2) // 2 + 1 = 0, needs >= 1
cnn((8, 8, 8), image=(1, 5, 5), rng=rng)  # E: [shape] "cnn": block 2 of image (1, 5, 5), MaxPool2D(2x2, stride 2, padding 0) cannot take (8, 1, 1): the kernel 2 does not fit the input's height 1: (1 + 2*0 - 2) // 2 + 1 = 0, needs >= 1
# a Reshape that does not fit the rows before it
Network.of(Dense.init(784, 100, rng=rng)).then(Reshape((1, 28, 27)))  # E: [shape] "then" of "Network": Reshape cannot take (784,): it takes rows of 1*28*27 = 756
# a channel mismatch written with plain ints, and a Flatten declaring the wrong width
Network((Reshape((3, 32, 32)), Conv2D.init(16, 1, kernel=3, rng=rng)))  # E: [shape] "Network": layer 1, Conv2D(3x3, stride 1, padding 0) cannot take (3, 32, 32): it takes 1 channels
one_block_maps.then(Flatten(3136))  # E: [shape] "then" of "Network": Flatten cannot take (32, 14, 14): it declares width 3136, and 32*14*14 = 6272
