"""What every optimizer shares: ``init``, a checked ``update``, a checked one-call ``step``, and its state.

An optimizer is a frozen value holding its hyperparameters; its state is a frozen value too, whose
fields are trees shaped like the parameters (velocities, moments) or integers (the step count).
``update(grads, state, params)`` returns new parameters and a new state and changes nothing.
"""

import abc
import dataclasses
import math
from typing import Any, ClassVar, Generic, Self, TypeVar

from verified_nn.core import ShapeError, describe
from verified_nn.layers import EVAL, Layer, Mode
from verified_nn.network import Batch, Network, backprop, check_same_structure, global_norm, map_unchecked

StateT = TypeVar("StateT")
TreeT = TypeVar("TreeT", bound=Layer[Any, Any])
NetT = TypeVar("NetT", bound=Network[Any, Any])


def state_trees(state: object) -> dict[str, Layer[Any, Any]]:
    """The fields of an optimizer state that are trees shaped like the parameters, by field name."""
    return {
        field.name: getattr(state, field.name)
        for field in dataclasses.fields(state)  # type: ignore[arg-type]
        if isinstance(getattr(state, field.name), Layer)
    }


class Optimizer(abc.ABC, Generic[StateT]):
    """Base of the optimizers: subclasses are frozen dataclasses defining ``init`` and the rule ``apply``."""

    name: ClassVar[str] = ""  # how configurations and model files name the rule

    @abc.abstractmethod
    def init(self, params: TreeT) -> StateT:
        """The state before the first update."""

    @abc.abstractmethod
    def apply(self, grads: TreeT, state: StateT, params: TreeT) -> tuple[TreeT, StateT]:
        """The update rule itself, unchecked: for callers that checked their arguments."""

    @property
    def rate(self) -> float:
        """The learning rate."""
        rate: float = getattr(self, "learning_rate")  # noqa: B009 (every subclass has the field)
        return rate

    def with_rate(self, rate: float) -> Self:
        """The same optimizer with learning rate ``rate`` (schedules change it per epoch; the state is kept)."""
        return dataclasses.replace(self, learning_rate=rate)  # type: ignore[type-var]

    def config(self) -> dict[str, Any]:
        """The name and hyperparameters, JSON-ready (saved in model files)."""
        return {"name": self.name, **dataclasses.asdict(self)}  # type: ignore[call-overload]

    def check(self, grads: Layer[Any, Any], state: StateT, params: Layer[Any, Any]) -> None:
        """ShapeError unless ``grads`` and every tree of ``state`` have the structure of ``params``."""
        where = f"{type(self).__name__}.update"
        check_same_structure(params, grads, where=f"{where}: grads")
        if not isinstance(state, type(self.init(params))):
            raise ShapeError(f"{where}: state expected {type(self.init(params)).__name__}, got {describe(state)}")
        for name, tree in state_trees(state).items():
            check_same_structure(params, tree, where=f"{where}: state.{name}")

    def update(self, grads: TreeT, state: StateT, params: TreeT) -> tuple[TreeT, StateT]:
        """New parameters and state from ``grads``; no argument is modified."""
        self.check(grads, state, params)
        return self.apply(grads, state, params)

    def step(self, params: NetT, state: StateT, batch: Batch[Any], *, mode: Mode = EVAL) -> tuple[NetT, StateT, float]:
        """One training step on a batch: the gradients of the mean loss at ``params``, then an update.

        Equal to ``params.loss_and_gradients(batch)`` followed by ``update``, with the arguments checked
        once. Returns ``(new_params, new_state, loss)``, the loss being that of ``params`` on the batch.
        """
        checked = params.check_batch(f"{type(self).__name__}.step", batch)
        for name, tree in state_trees(state).items():
            check_same_structure(params, tree, where=f"{type(self).__name__}.step: state.{name}")
        return self.step_unchecked(params, state, checked.images, checked.labels, mode=mode)

    def step_unchecked(
        self, params: NetT, state: StateT, images: Any, labels: Any, *, mode: Mode = EVAL
    ) -> tuple[NetT, StateT, float]:
        """:meth:`step` without checks; an optimizer may override it with a faster equivalent."""
        loss, grads = backprop(params, images, labels, mode=mode)
        new_params, new_state = self.apply(grads, state, params)
        return new_params, new_state, loss

    def step_measured(
        self, params: NetT, state: StateT, images: Any, labels: Any, *, mode: Mode = EVAL, max_norm: float | None = None
    ) -> tuple[NetT, StateT, float, float]:
        """A step without checks that also measures (the trainer's hot path): ``(params, state, loss, norm)``.

        ``norm`` is the global norm of the gradient; with ``max_norm`` the gradient is first clipped to it
        (``clip_by_global_norm``). A non-finite loss leaves the gradient unclipped, so the norm shows it.
        """
        loss, grads = backprop(params, images, labels, mode=mode)
        norm = global_norm(grads)
        if max_norm is not None and math.isfinite(loss) and norm > max_norm:
            grads = map_unchecked(lambda g: g * (max_norm / norm), grads)
        new_params, new_state = self.apply(grads, state, params)
        return new_params, new_state, loss, norm
