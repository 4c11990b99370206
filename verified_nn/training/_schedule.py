"""Learning-rate schedules: a rate per epoch, with an optional linear warm-up applied step by step."""

import dataclasses
import math

from verified_nn.core import InvalidArgumentError

from ._config import SCHEDULES, TrainConfig


@dataclasses.dataclass(frozen=True)
class Schedule:
    """The learning rate of every step of a run: ``rate(epoch, batch)``.

    The schedule's rate is constant within an epoch: constant: ``lr``; cosine: ``lr * (1 + cos(pi * (epoch
    - 1) / epochs)) / 2``, from lr towards 0; step: ``lr``, ``lr / 10`` from half the epochs on, ``lr / 100``
    from three quarters on. During the first ``warmup`` epochs it is multiplied by ``s / (warmup * batches)``
    for step ``s = 1, 2, ...`` of the run: a linear rise to the schedule's rate, whatever the schedule.
    """

    learning_rate: float  # the initial (peak) rate
    kind: str  # "constant", "cosine" or "step"
    epochs: int  # the run's length
    batches: int = 1  # steps per epoch
    warmup: float = 0.0  # epochs of linear warm-up

    def __post_init__(self) -> None:
        if self.kind not in SCHEDULES:
            raise InvalidArgumentError(f"schedule must be one of {', '.join(SCHEDULES)}, got {self.kind!r}")

    @classmethod
    def of(cls, config: TrainConfig, batches: int) -> "Schedule":
        """The schedule ``config`` describes, for epochs of ``batches`` steps (``config`` resolved: epochs set)."""
        if config.epochs is None:
            raise InvalidArgumentError("the schedule needs a number of epochs (resolve the configuration first)")
        return cls(config.learning_rate, config.lr_schedule, config.epochs, batches, config.warmup)

    def epoch_rate(self, epoch: int) -> float:
        """The schedule's rate for ``epoch`` (1-based), before any warm-up."""
        progress = (epoch - 1) / self.epochs
        if self.kind == "cosine":
            return self.learning_rate * (1 + math.cos(math.pi * progress)) / 2
        if self.kind == "step":
            return self.learning_rate * (0.1 if progress >= 0.5 else 1.0) * (0.1 if progress >= 0.75 else 1.0)
        return self.learning_rate

    def rate(self, epoch: int, batch: int) -> float:
        """The rate of step ``batch`` (0-based) of ``epoch`` (1-based)."""
        rate = self.epoch_rate(epoch)
        warm_steps = self.warmup * self.batches
        step = (epoch - 1) * self.batches + batch + 1
        return rate * step / warm_steps if step < warm_steps else rate
