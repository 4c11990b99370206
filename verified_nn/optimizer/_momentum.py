"""SGD with momentum, heavy-ball or Nesterov, optionally with L2 weight decay (PyTorch's ``SGD`` conventions).

With ``g' = g + wd p``: ``v' = mu v + g'``; heavy-ball ``p' = p - lr v'``; Nesterov ``p' = p - lr (g' + mu v')``.
"""

import dataclasses
from typing import Any, ClassVar, TypeVar

import numpy as np

from verified_nn.layers import Layer
from verified_nn.network import map_unchecked

from ._base import Optimizer
from ._validate import require_fraction, require_non_negative, require_positive

TreeT = TypeVar("TreeT", bound=Layer[Any, Any])


@dataclasses.dataclass(frozen=True)
class MomentumState:
    """The velocity, shaped like the parameters."""

    velocity: Any  # a tree shaped like the parameters


@dataclasses.dataclass(frozen=True)
class Momentum(Optimizer[MomentumState]):
    """SGD with momentum ``mu`` (no dampening); ``nesterov=True`` looks ahead along the velocity."""

    learning_rate: float = 0.01  # step size, > 0
    momentum: float = 0.9  # mu in [0, 1): how much of the previous velocity is kept
    nesterov: bool = False  # Nesterov's accelerated gradient (Sutskever et al. 2013 form, as PyTorch)
    weight_decay: float = 0.0  # L2 penalty: g + wd p

    name: ClassVar[str] = "momentum"

    def __post_init__(self) -> None:
        require_positive("learning_rate", self.learning_rate)
        require_fraction("momentum", self.momentum)
        require_non_negative("weight_decay", self.weight_decay)

    def init(self, params: TreeT) -> MomentumState:
        """Zero velocity, in the parameters' dtype."""
        return MomentumState(velocity=map_unchecked(np.zeros_like, params))

    def apply(self, grads: TreeT, state: MomentumState, params: TreeT) -> tuple[TreeT, MomentumState]:
        mu, rate, decay = self.momentum, self.learning_rate, self.weight_decay
        if decay:
            grads = map_unchecked(lambda g, p: g + decay * p, grads, params)
        velocity: TreeT = map_unchecked(lambda v, g: mu * v + g, state.velocity, grads)
        if self.nesterov:
            step = map_unchecked(lambda g, v: g + mu * v, grads, velocity)
            return map_unchecked(lambda p, s: p - rate * s, params, step), MomentumState(velocity)
        return map_unchecked(lambda p, v: p - rate * v, params, velocity), MomentumState(velocity)

    def config(self) -> dict[str, Any]:
        config = super().config()
        if self.nesterov:
            config["name"] = "nesterov"
        return config
