"""Learning-rate schedules, evaluated once per epoch."""

import math

from ._config import TrainConfig


def learning_rate_at(config: TrainConfig, epoch: int) -> float:
    """The learning rate for ``epoch`` (1-based) under ``config.lr_schedule``.

    constant: ``lr``; cosine: ``lr * (1 + cos(pi * (epoch - 1) / epochs)) / 2``, from lr towards 0;
    step: ``lr``, then ``lr / 10`` from half the epochs on, ``lr / 100`` from three quarters on.
    """
    rate = config.learning_rate
    progress = (epoch - 1) / config.epochs
    if config.lr_schedule == "cosine":
        return rate * (1 + math.cos(math.pi * progress)) / 2
    if config.lr_schedule == "step":
        return rate * (0.1 if progress >= 0.5 else 1.0) * (0.1 if progress >= 0.75 else 1.0)
    return rate
