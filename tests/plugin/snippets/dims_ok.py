"""Sizes written once as plain numbers (literals, arithmetic, ``Final`` constants) become ``Literal`` sizes."""

from typing import Any, Final, Literal, assert_type

import numpy as np

from verified_nn.core import Dim
from verified_nn.layers import Dense, ReLU
from verified_nn.network import Network

rng = np.random.default_rng(0)
WIDTH: Final = 784

assert_type(Dim(784), Dim[Literal[784]])
assert_type(Dim(28 * 28), Dim[Literal[784]])
assert_type(Dim(WIDTH), Dim[Literal[784]])
assert_type(Dim[Literal[784]](), Dim[Literal[784]])
assert_type(Dense.init(128, 784, rng=rng), Dense[Literal[128], Literal[784]])
assert_type(Dense.init(out=10, inputs=128, rng=rng, scheme="glorot"), Dense[Literal[10], Literal[128]])
assert_type(Dense.init(Dim(128), Dim(784), rng=rng), Dense[Literal[128], Literal[784]])

network = Network.of(Dense.init(128, 784, rng=rng)).then(ReLU()).then(Dense.init(10, 128, rng=rng))
assert_type(network, Network[tuple[Any, Literal[10]], tuple[Any, Literal[784]]])


def sized(n: int) -> None:
    """A size held in an ``int`` is not known: the type stays as mypy alone infers it."""
    assert_type(Dim(n), Dim[int])
    assert_type(Dense.init(n, 784, rng=rng), Dense[int, Literal[784]])
    assert_type(Dim(0), Dim[int])  # refused at run time; not given a type that claims a size
