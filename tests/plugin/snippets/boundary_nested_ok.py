"""A size token built in place inside a call of the library: no error (a regression of the boundary rule)."""

import numpy as np

from verified_nn.core import Dim
from verified_nn.layers import Dense


def build(out: int, inputs: int) -> Dense[int, int]:
    return Dense.init(Dim(out), Dim(inputs), rng=np.random.default_rng(0))
