"""What every optimizer shares: ``init``, a checked ``update``, and a checked one-call training ``step``."""

from typing import Generic, TypeVar

from verified_nn.core import ImageBatch, LabelBatch, checked
from verified_nn.network import MLP, backprop

StateT = TypeVar("StateT")


class Optimizer(Generic[StateT]):
    """Base of the optimizers: subclasses define ``init`` and the unchecked rule ``apply``."""

    def init(self, params: MLP) -> StateT:
        """The state before the first update."""
        raise NotImplementedError

    def apply(self, grads: MLP, state: StateT, params: MLP) -> tuple[MLP, StateT]:
        """The update rule itself, unchecked: for callers that checked their arguments."""
        raise NotImplementedError

    @checked
    def update(self, grads: MLP, state: StateT, params: MLP) -> tuple[MLP, StateT]:
        """New parameters and state from ``grads``; no argument is modified."""
        return self.apply(grads, state, params)

    @checked
    def step(self, params: MLP, state: StateT, images: ImageBatch, labels: LabelBatch) -> tuple[MLP, StateT, float]:
        """One training step on a batch: the gradients of the mean loss at ``params``, then an update.

        Equal to ``loss_and_gradients`` followed by ``update``, with the arguments checked once.
        Returns ``(new_params, new_state, loss)``, the loss being that of ``params`` on the batch.
        """
        return self._step(params, state, images, labels)

    def _step(self, params: MLP, state: StateT, images: ImageBatch, labels: LabelBatch) -> tuple[MLP, StateT, float]:
        # Unchecked; an optimizer may override it with a faster equivalent.
        loss, grads = backprop(params, images, labels)
        new_params, new_state = self.apply(grads, state, params)
        return new_params, new_state, loss
