"""The same calls with sizes that agree."""

from typing import Literal, assert_type

import numpy as np

from verified_nn.core import Dim, cross_entropy, cross_entropy_and_gradient, cross_entropy_gradient
from verified_nn.layers import Dense, Dropout, Mode, ReLU

rng = np.random.default_rng(0)
logits = rng.standard_normal((64, 10))
labels = rng.integers(0, 10, size=64)
weights = rng.normal(0.0, 0.05, (10, 784))

cross_entropy(logits, labels)
assert_type(cross_entropy_gradient(logits, labels).shape, tuple[Literal[64], Literal[10]])
cross_entropy_and_gradient(logits, labels)
assert_type(Dense(weights=weights, bias=np.zeros(10)), Dense[Literal[10], Literal[784]])

dense = Dense.init(Dim[Literal[128]](), Dim[Literal[784]](), rng=rng)
outputs, cache = dense.forward(rng.random((64, 784)))
assert_type(outputs.shape, tuple[Literal[64], Literal[128]])
dx, grads = dense.backward(rng.random((64, 128)), cache)
assert_type(dx.shape, tuple[Literal[64], Literal[784]])
dense.parameter_gradients(rng.random((64, 128)), cache)

hidden = rng.random((64, 128))
assert_type(ReLU().backward(hidden, (hidden, hidden))[0].shape, tuple[Literal[64], Literal[128]])
dropped, mask = Dropout(0.5).forward(hidden, mode=Mode.train(0))
assert_type(dropped.shape, tuple[Literal[64], Literal[128]])
Dropout(0.5).backward(hidden, mask)
