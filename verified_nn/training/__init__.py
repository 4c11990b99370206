"""Training: configuration and presets, the loop and its callbacks, the trainer, evaluation, and model files."""

from ._build import architecture_fields as architecture_fields, build_network as build_network, check_fits as check_fits
from ._callbacks import (
    BatchEnd as BatchEnd,
    Callback as Callback,
    Diagnostics as Diagnostics,
    EarlyStopping as EarlyStopping,
    EpochEnd as EpochEnd,
    Guard as Guard,
    Progress as Progress,
)
from ._checks import check_network as check_network
from ._config import (
    DEFAULT_LEARNING_RATES as DEFAULT_LEARNING_RATES,
    DEFAULT_TEST_FRACTION as DEFAULT_TEST_FRACTION,
    PRESETS as PRESETS,
    TrainConfig as TrainConfig,
    preset as preset,
)
from ._errors import (
    ModelError as ModelError,
    TrainingError as TrainingError,
    TrainingInterrupted as TrainingInterrupted,
)
from ._evaluate import Evaluation as Evaluation, evaluate as evaluate, network_input as network_input, score as score
from ._history import EpochRecord as EpochRecord, best_record as best_record, write_history as write_history
from ._loop import Fitted as Fitted, LoopData as LoopData, LoopSettings as LoopSettings, fit as fit
from ._memory import retain_freed_memory as retain_freed_memory
from ._models import (
    FORMAT as FORMAT,
    LEGACY_ARCHITECTURE as LEGACY_ARCHITECTURE,
    SavedModel as SavedModel,
    architecture_json as architecture_json,
    load_model as load_model,
    save_model as save_model,
)
from ._objectives import Certified as Certified, Objective as Objective, Plain as Plain, objective_for as objective_for
from ._plots import (
    plot_confusion as plot_confusion,
    plot_history as plot_history,
    pyplot as pyplot,
    save_figure as save_figure,
)
from ._prepare import build_optimizer as build_optimizer, split_data as split_data
from ._provenance import (
    DataRecord as DataRecord,
    check_same_columns as check_same_columns,
    data_metadata as data_metadata,
    data_record as data_record,
)
from ._runs import RunFiles as RunFiles, check_run_name as check_run_name, default_run_name as default_run_name
from ._schedule import Schedule as Schedule
from ._size import (
    NetworkSize as NetworkSize,
    check_run as check_run,
    mlp_parameters as mlp_parameters,
    network_size as network_size,
    samples_per_pass as samples_per_pass,
    size_problem as size_problem,
)
from ._trainer import TrainResult as TrainResult, train as train
