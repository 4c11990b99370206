"""Optimizers with the ``init(params)`` / ``update(grads, state, params)`` shape, and gradient clipping."""

from ._base import Optimizer as Optimizer
from ._clip import clip_by_global_norm as clip_by_global_norm
from ._momentum import Momentum as Momentum, MomentumState as MomentumState
from ._sgd import SGD as SGD, SGDState as SGDState
