"""Stochastic gradient descent, optionally with L2 weight decay: ``p' = p - lr (g + wd p)``."""

import dataclasses
from typing import Any, ClassVar, TypeVar

import numpy as np

from verified_nn.layers import EVAL, Layer, Mode
from verified_nn.network import Network, backprop, global_norm, map_unchecked

from ._base import Optimizer
from ._validate import require_non_negative, require_positive

TreeT = TypeVar("TreeT", bound=Layer[Any, Any])
NetT = TypeVar("NetT", bound=Network[Any, Any])


@dataclasses.dataclass(frozen=True)
class SGDState:
    """SGD keeps no state; the type exists so every optimizer has the same init/update shape."""


@dataclasses.dataclass(frozen=True)
class SGD(Optimizer[SGDState]):
    """Stochastic gradient descent with a fixed learning rate (PyTorch's ``SGD`` without momentum)."""

    learning_rate: float = 0.01  # step size, > 0
    weight_decay: float = 0.0  # L2 penalty wd/2 |p|^2 added to the loss: g + wd p

    name: ClassVar[str] = "sgd"

    def __post_init__(self) -> None:
        require_positive("learning_rate", self.learning_rate)
        require_non_negative("weight_decay", self.weight_decay)

    def init(self, params: TreeT) -> SGDState:
        """The initial (empty) state."""
        return SGDState()

    def apply(self, grads: TreeT, state: SGDState, params: TreeT) -> tuple[TreeT, SGDState]:
        """``p' = p - lr (g + wd p)``."""
        rate, decay = self.learning_rate, self.weight_decay
        if decay:
            return map_unchecked(lambda p, g: p - rate * (g + decay * p), params, grads), state
        return map_unchecked(lambda p, g: p - rate * g, params, grads), state

    def _seeded(self, params: NetT, images: Any, labels: Any, mode: Mode) -> tuple[NetT, float, NetT]:
        # Seeding backprop with -lr makes it return the step -lr * g itself: one pass over the
        # parameters (p + step) instead of two (lr * g, then p - that).
        loss, steps = backprop(params, images, labels, seed=-self.learning_rate, mode=mode)
        return map_unchecked(np.add, params, steps), loss, steps

    def step_unchecked(
        self, params: NetT, state: SGDState, images: Any, labels: Any, *, mode: Mode = EVAL
    ) -> tuple[NetT, SGDState, float]:
        if self.weight_decay:
            return super().step_unchecked(params, state, images, labels, mode=mode)
        new_params, loss, _ = self._seeded(params, images, labels, mode)
        return new_params, state, loss

    def step_measured(
        self,
        params: NetT,
        state: SGDState,
        images: Any,
        labels: Any,
        *,
        mode: Mode = EVAL,
        max_norm: float | None = None,
    ) -> tuple[NetT, SGDState, float, float]:
        if self.weight_decay or max_norm is not None:
            return super().step_measured(params, state, images, labels, mode=mode, max_norm=max_norm)
        new_params, loss, steps = self._seeded(params, images, labels, mode)
        return new_params, state, loss, global_norm(steps) / self.learning_rate  # the step's norm is lr |g|
