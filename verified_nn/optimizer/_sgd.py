"""Plain stochastic gradient descent: ``p' = p - lr * g``."""

import dataclasses

from verified_nn.core import checked
from verified_nn.network import MLP, map_parameters

from ._validate import require_positive


@dataclasses.dataclass(frozen=True)
class SGDState:
    """SGD keeps no state; the type exists so every optimizer has the same init/update shape."""


@dataclasses.dataclass(frozen=True)
class SGD:
    """Stochastic gradient descent with a fixed learning rate."""

    learning_rate: float = 0.01  # step size, > 0

    def __post_init__(self) -> None:
        require_positive("learning_rate", self.learning_rate)

    def init(self, params: MLP) -> SGDState:
        """The initial (empty) state."""
        return SGDState()

    @checked
    def update(self, grads: MLP, state: SGDState, params: MLP) -> tuple[MLP, SGDState]:
        """New parameters ``p - lr * g`` and the new state; neither argument is modified."""
        rate = self.learning_rate
        return map_parameters(lambda p, g: p - rate * g, params, grads), state
