"""Plain stochastic gradient descent: ``p' = p - lr * g``."""

import dataclasses

import numpy as np

from verified_nn.core import ImageBatch, LabelBatch
from verified_nn.network import MLP, backprop, map_parameters

from ._base import Optimizer
from ._validate import require_positive


@dataclasses.dataclass(frozen=True)
class SGDState:
    """SGD keeps no state; the type exists so every optimizer has the same init/update shape."""


@dataclasses.dataclass(frozen=True)
class SGD(Optimizer[SGDState]):
    """Stochastic gradient descent with a fixed learning rate."""

    learning_rate: float = 0.01  # step size, > 0

    def __post_init__(self) -> None:
        require_positive("learning_rate", self.learning_rate)

    def init(self, params: MLP) -> SGDState:
        """The initial (empty) state."""
        return SGDState()

    def apply(self, grads: MLP, state: SGDState, params: MLP) -> tuple[MLP, SGDState]:
        """``p' = p - lr * g``."""
        rate = self.learning_rate
        return map_parameters(lambda p, g: p - rate * g, params, grads), state

    def _step(
        self, params: MLP, state: SGDState, images: ImageBatch, labels: LabelBatch
    ) -> tuple[MLP, SGDState, float]:
        # Seeding backprop with -lr makes it return the step -lr * g itself: one pass over the
        # parameters (p + step) instead of two (lr * g, then p - that).
        loss, steps = backprop(params, images, labels, seed=-self.learning_rate)
        return map_parameters(np.add, params, steps), state, loss
