"""SGD with (heavy-ball) momentum: ``v' = mu * v + g``, ``p' = p - lr * v'``."""

import dataclasses

import numpy as np

from verified_nn.network import MLP, map_parameters

from ._base import Optimizer
from ._validate import require_fraction, require_positive


@dataclasses.dataclass(frozen=True)
class MomentumState:
    """The velocity, shaped like the parameters."""

    velocity: MLP


@dataclasses.dataclass(frozen=True)
class Momentum(Optimizer[MomentumState]):
    """SGD with momentum, in the convention of PyTorch's ``SGD(momentum=mu)`` (no dampening)."""

    learning_rate: float = 0.01  # step size, > 0
    momentum: float = 0.9  # mu in [0, 1): how much of the previous velocity is kept

    def __post_init__(self) -> None:
        require_positive("learning_rate", self.learning_rate)
        require_fraction("momentum", self.momentum)

    def init(self, params: MLP) -> MomentumState:
        """Zero velocity, in the parameters' dtype."""
        return MomentumState(velocity=map_parameters(np.zeros_like, params))

    def apply(self, grads: MLP, state: MomentumState, params: MLP) -> tuple[MLP, MomentumState]:
        """``v' = mu v + g``, ``p' = p - lr v'``."""
        mu, rate = self.momentum, self.learning_rate
        velocity = map_parameters(lambda v, g: mu * v + g, state.velocity, grads)
        return map_parameters(lambda p, v: p - rate * v, params, velocity), MomentumState(velocity)
