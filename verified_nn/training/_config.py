"""The training configuration: a frozen, validated dataclass, its presets, and (de)serialisation."""

import dataclasses
import json
import math
from typing import Any, Final

from verified_nn.core import InvalidArgumentError
from verified_nn.data import DATASETS

SCHEDULES: Final = ("constant", "cosine", "step")
ACTIVATIONS: Final = ("relu", "leaky_relu")


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run; saved with every checkpoint."""

    dataset: str = "mnist"  # "mnist" or "fashion-mnist"
    train_size: int | None = None  # first N training images (None: the whole split)
    test_size: int | None = None  # first N test images, evaluated every epoch (None: the whole split)
    epochs: int = 8  # number of epochs
    samples_per_epoch: int | None = None  # examples drawn (without replacement) per epoch; None: all
    batch_size: int = 64  # examples per gradient step
    learning_rate: float = 0.05  # initial step size
    momentum: float = 0.9  # heavy-ball momentum; 0 means plain SGD
    lr_schedule: str = "cosine"  # "constant", "cosine" (to 0 over the run) or "step" (x0.1 at 50%, 75%)
    clip_norm: float | None = None  # clip each gradient to this global norm; None: no clipping
    dtype: str = "float32"  # "float32" or "float64"
    seed: int = 0  # seeds initialisation and shuffling
    activation: str = "relu"  # "relu" or "leaky_relu"
    log_every: int = 200  # batches between diagnostic lines (with gradient norm and parameter change)
    train_eval_size: int = 10_000  # training examples whose accuracy is reported each epoch
    max_grad_norm: float = 1e3  # a gradient norm above this on a logged batch stops the run
    max_loss: float = 100.0  # a batch loss above this stops the run (a healthy run starts near log 10 = 2.3)

    def __post_init__(self) -> None:
        _require(self.dataset in DATASETS, f"dataset must be one of {', '.join(DATASETS)}, got {self.dataset!r}")
        for name in ("train_size", "test_size", "samples_per_epoch"):
            value = getattr(self, name)
            _require(value is None or value >= 1, f"{name} must be >= 1 or unset, got {value}")
        for name in ("epochs", "batch_size", "log_every", "train_eval_size"):
            _require(getattr(self, name) >= 1, f"{name} must be >= 1, got {getattr(self, name)}")
        _require(_positive(self.learning_rate), f"learning_rate must be > 0, got {self.learning_rate}")
        _require(0 <= self.momentum < 1, f"momentum must lie in [0, 1), got {self.momentum}")
        _require(self.lr_schedule in SCHEDULES, f"lr_schedule must be one of {', '.join(SCHEDULES)}")
        _require(
            self.clip_norm is None or _positive(self.clip_norm),
            f"clip_norm must be > 0, got {self.clip_norm}",
        )
        _require(self.dtype in ("float32", "float64"), f"dtype must be float32 or float64, got {self.dtype!r}")
        _require(self.activation in ACTIVATIONS, f"activation must be one of {', '.join(ACTIVATIONS)}")
        _require(_positive(self.max_grad_norm), f"max_grad_norm must be > 0, got {self.max_grad_norm}")
        _require(_positive(self.max_loss), f"max_loss must be > 0, got {self.max_loss}")

    def to_json(self) -> str:
        """The configuration as JSON (how checkpoints store it)."""
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "TrainConfig":
        """A configuration from a mapping; unknown keys are refused by name."""
        known = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise InvalidArgumentError(f"unknown configuration keys: {', '.join(unknown)}")
        return cls(**values)

    @classmethod
    def from_json(cls, text: str) -> "TrainConfig":
        return cls.from_dict(json.loads(text))


def _positive(value: float) -> bool:
    return math.isfinite(value) and value > 0


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise InvalidArgumentError(message)


PRESETS: Final[dict[str, dict[str, Any]]] = {
    # The Lean project's mnistTrainMedium: 5,000 training and 1,000 test images, 10 epochs, plain SGD.
    "medium": {
        "train_size": 5_000,
        "test_size": 1_000,
        "epochs": 10,
        "batch_size": 64,
        "learning_rate": 0.01,
        "momentum": 0.0,
        "lr_schedule": "constant",
    },
    # The Lean project's mnistTrainFull: 50 epochs of 12,000 examples drawn from all 60,000,
    # the full test split every epoch, a checkpoint whenever test accuracy improves.
    "full": {
        "epochs": 50,
        "samples_per_epoch": 12_000,
        "batch_size": 64,
        "learning_rate": 0.05,
        "momentum": 0.9,
        "lr_schedule": "cosine",
    },
    # The highest test accuracy this architecture reaches quickly.
    "best": {
        "epochs": 24,
        "batch_size": 64,
        "learning_rate": 0.1,
        "momentum": 0.9,
        "lr_schedule": "cosine",
    },
}


def preset(name: str | None, **overrides: Any) -> TrainConfig:
    """The named preset (or the defaults, for None) with ``overrides`` applied on top."""
    if name is not None and name not in PRESETS:
        raise InvalidArgumentError(f"unknown preset {name!r}; known: {', '.join(PRESETS)}")
    return TrainConfig.from_dict({**(PRESETS[name] if name else {}), **overrides})
