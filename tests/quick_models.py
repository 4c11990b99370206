"""Small networks trained in about a second on real MNIST, for the tests of what uses a trained model."""

from pathlib import Path
from typing import Any

from verified_nn.training import TrainConfig, train


def quick_model(data_dir: Path, out_dir: Path, *, name: str = "quick", **config: Any) -> Path:
    """Train one epoch on the first 20,000 training images (seeded) and return the model file's path.

    ``config`` overrides :class:`TrainConfig` fields, e.g. ``hidden=(64, 32), activation="tanh"``.
    """
    settings: dict[str, Any] = {
        "epochs": 1,
        "train_size": 20_000,
        "validation_size": 0,
        "test_size": 1_000,
        "train_eval_size": 1_000,
        "log_every": 10_000,
        **config,
    }
    result = train(
        TrainConfig(**settings), data_dir=data_dir, out_dir=out_dir, log_dir=out_dir / "logs", name=name, echo=False
    )
    return result.best_path
