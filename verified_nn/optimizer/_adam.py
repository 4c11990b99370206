"""Adam (Kingma and Ba 2015) with L2 weight decay, and AdamW (Loshchilov and Hutter 2019), decoupled.

With ``t' = t + 1``: ``m' = b1 m + (1 - b1) g``, ``v' = b2 v + (1 - b2) g^2``, ``m^ = m' / (1 - b1^t')``,
``v^ = v' / (1 - b2^t')``, ``p' = p - lr m^ / (sqrt(v^) + eps)``. Adam's weight decay is L2 (``g + wd p``
before the moments, as PyTorch's ``Adam``); AdamW's is decoupled: ``p`` first shrinks to ``p (1 - lr wd)``
(as PyTorch's ``AdamW``).
"""

import dataclasses
import math
from typing import Any, ClassVar, TypeVar

import numpy as np

from verified_nn.layers import Layer
from verified_nn.network import map_unchecked

from ._base import Optimizer
from ._validate import require_fraction, require_non_negative, require_positive

TreeT = TypeVar("TreeT", bound=Layer[Any, Any])


@dataclasses.dataclass(frozen=True)
class AdamState:
    """The step count and the first and second moment estimates, shaped like the parameters."""

    step: int  # updates taken so far
    first: Any  # m: running mean of gradients, a tree shaped like the parameters
    second: Any  # v: running mean of squared gradients, likewise


@dataclasses.dataclass(frozen=True)
class Adam(Optimizer[AdamState]):
    """Adam with bias correction; ``weight_decay`` is an L2 penalty added to the gradient."""

    learning_rate: float = 1e-3  # step size, > 0
    beta1: float = 0.9  # decay of the first moment, in [0, 1)
    beta2: float = 0.999  # decay of the second moment, in [0, 1)
    eps: float = 1e-8  # added to sqrt(v^) to avoid dividing by 0, > 0
    weight_decay: float = 0.0  # L2 penalty: g + wd p

    name: ClassVar[str] = "adam"

    def __post_init__(self) -> None:
        require_positive("learning_rate", self.learning_rate)
        require_fraction("beta1", self.beta1)
        require_fraction("beta2", self.beta2)
        require_positive("eps", self.eps)
        require_non_negative("weight_decay", self.weight_decay)

    def init(self, params: TreeT) -> AdamState:
        """Step 0 and zero moments, in the parameters' dtype."""
        return AdamState(
            step=0, first=map_unchecked(np.zeros_like, params), second=map_unchecked(np.zeros_like, params)
        )

    def _decayed(self, grads: TreeT, params: TreeT) -> tuple[TreeT, TreeT]:
        # (gradients entering the moments, parameters the step starts from)
        decay = self.weight_decay
        if decay:
            return map_unchecked(lambda g, p: g + decay * p, grads, params), params
        return grads, params

    def apply(self, grads: TreeT, state: AdamState, params: TreeT) -> tuple[TreeT, AdamState]:
        b1, b2, eps, rate = self.beta1, self.beta2, self.eps, self.learning_rate
        grads, start = self._decayed(grads, params)
        step = state.step + 1
        first: TreeT = map_unchecked(lambda m, g: b1 * m + (1 - b1) * g, state.first, grads)
        second: TreeT = map_unchecked(lambda v, g: b2 * v + (1 - b2) * (g * g), state.second, grads)
        correct1, correct2 = 1 - b1**step, 1 - b2**step  # bias corrections, in float64
        size, root = rate / correct1, 1 / math.sqrt(correct2)
        new_params = map_unchecked(lambda p, m, v: p - size * m / (np.sqrt(v) * root + eps), start, first, second)
        return new_params, AdamState(step=step, first=first, second=second)


@dataclasses.dataclass(frozen=True)
class AdamW(Adam):
    """Adam with decoupled weight decay: the parameters shrink by ``lr * wd`` each step, apart from the moments."""

    weight_decay: float = 0.01  # decoupled decay rate

    name: ClassVar[str] = "adamw"

    def _decayed(self, grads: TreeT, params: TreeT) -> tuple[TreeT, TreeT]:
        shrink = 1 - self.learning_rate * self.weight_decay
        if self.weight_decay:
            return grads, map_unchecked(lambda p: p * shrink, params)
        return grads, params
