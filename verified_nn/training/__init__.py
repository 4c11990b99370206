"""Training: configuration and presets, the trainer, evaluation, and model files."""

from ._checks import check_network as check_network
from ._config import (
    DEFAULT_LEARNING_RATES as DEFAULT_LEARNING_RATES,
    PRESETS as PRESETS,
    TrainConfig as TrainConfig,
    preset as preset,
)
from ._errors import (
    ModelError as ModelError,
    TrainingError as TrainingError,
    TrainingInterrupted as TrainingInterrupted,
)
from ._evaluate import Evaluation as Evaluation, evaluate as evaluate
from ._memory import retain_freed_memory as retain_freed_memory
from ._models import (
    FORMAT as FORMAT,
    LEGACY_ARCHITECTURE as LEGACY_ARCHITECTURE,
    SavedModel as SavedModel,
    architecture_json as architecture_json,
    load_model as load_model,
    save_model as save_model,
)
from ._plots import (
    plot_confusion as plot_confusion,
    plot_history as plot_history,
    pyplot as pyplot,
    save_figure as save_figure,
)
from ._runs import RunFiles as RunFiles, check_run_name as check_run_name, default_run_name as default_run_name
from ._schedule import learning_rate_at as learning_rate_at
from ._size import (
    NetworkSize as NetworkSize,
    check_run as check_run,
    mlp_parameters as mlp_parameters,
    network_size as network_size,
    samples_per_pass as samples_per_pass,
    size_problem as size_problem,
)
from ._trainer import (
    EpochRecord as EpochRecord,
    MnistNetwork as MnistNetwork,
    TrainResult as TrainResult,
    best_record as best_record,
    build_network as build_network,
    build_optimizer as build_optimizer,
    split_validation as split_validation,
    train as train,
)
