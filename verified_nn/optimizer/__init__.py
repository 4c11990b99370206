"""Optimizers over any parameter tree with the ``init(params)`` / ``update(grads, state, params)`` shape."""

from ._adam import Adam as Adam, AdamState as AdamState, AdamW as AdamW
from ._base import Optimizer as Optimizer, state_trees as state_trees
from ._clip import clip_by_global_norm as clip_by_global_norm
from ._momentum import Momentum as Momentum, MomentumState as MomentumState
from ._registry import (
    OPTIMIZERS as OPTIMIZERS,
    optimizer_from_config as optimizer_from_config,
    optimizer_named as optimizer_named,
)
from ._sgd import SGD as SGD, SGDState as SGDState
