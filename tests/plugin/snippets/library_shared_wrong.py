"""The library's own signatures share sizes between arguments; mypy alone solves them to ``int``.

Sizes are typed with ``Dim[Literal[n]]()`` here, so that mypy alone sees the same types (the plugin's
inference of ``Dim(n)`` is tested in ``dims_*.py``).
"""

from typing import Literal

import numpy as np

from verified_nn.core import Dim, cross_entropy, cross_entropy_and_gradient, cross_entropy_gradient
from verified_nn.layers import Dense, Dropout, Mode, ReLU

rng = np.random.default_rng(0)
logits = rng.standard_normal((64, 10))
labels = rng.integers(0, 10, size=32)
weights = rng.normal(0.0, 0.05, (10, 784))

cross_entropy(logits, labels)  # E: [shape] "cross_entropy": size batch differs between arguments: 64 (logits: (64, 10)) and 32 (labels: (32,))
cross_entropy_gradient(logits, labels)  # E: [shape] "cross_entropy_gradient": size batch differs between arguments: 64 (logits: (64, 10)) and 32 (labels: (32,))
cross_entropy_and_gradient(logits, labels)  # E: [shape] "cross_entropy_and_gradient": size batch differs between arguments: 64 (logits: (64, 10)) and 32 (labels: (32,))
Dense(weights=weights, bias=np.zeros(128))  # E: [shape] "Dense": size Out differs between arguments: 10 (weights: (10, 784)) and 128 (bias: (128,))
Dense(weights=weights.T, bias=np.zeros(10))  # E: [shape] "Dense": size Out differs between arguments: 784 (weights: (784, 10)) and 10 (bias: (10,))

dense = Dense.init(Dim[Literal[128]](), Dim[Literal[784]](), rng=rng)
_, cache = dense.forward(rng.random((64, 784)))
dense.backward(rng.random((32, 128)), cache)  # E: [shape] "backward" of "Dense": size B differs between arguments: 32 (dy: (32, 128)) and 64 (cache: (64, 784))
dense.parameter_gradients(rng.random((32, 128)), cache)  # E: [shape] "parameter_gradients" of "Dense": size B differs between arguments: 32 (dy: (32, 128)) and 64 (cache: (64, 784))

hidden = rng.random((64, 128))
ReLU().backward(rng.random((64, 100)), (hidden, hidden))  # E: [shape] "backward" of "ReLU": shape S differs between arguments: (64, 100) (dy) and (64, 128) (cache)
_, mask = Dropout(0.5).forward(hidden, mode=Mode.train(0))
Dropout(0.5).backward(rng.random((32, 128)), mask)  # E: [shape] "backward" of "Dropout": shape S differs between arguments: (32, 128) (dy) and (64, 128) (cache)
