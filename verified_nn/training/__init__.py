"""Training: configuration and presets, the trainer, evaluation, and model files."""

from ._config import PRESETS as PRESETS, TrainConfig as TrainConfig, preset as preset
from ._errors import ModelError as ModelError, TrainingError as TrainingError
from ._evaluate import Evaluation as Evaluation, evaluate as evaluate
from ._models import (
    ARCHITECTURE as ARCHITECTURE,
    SavedModel as SavedModel,
    load_model as load_model,
    save_model as save_model,
)
from ._plots import plot_confusion as plot_confusion, plot_history as plot_history, pyplot as pyplot
from ._schedule import learning_rate_at as learning_rate_at
from ._trainer import EpochRecord as EpochRecord, TrainResult as TrainResult, train as train
