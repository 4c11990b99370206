"""A run prepared before any file is written: its data split, its configuration resolved for the data, its
network (built, given or resumed) checked against the data, and what every checkpoint will record.

Everything that can refuse a run is here, so that a refused run leaves no file behind.
"""

import dataclasses
import json
from pathlib import Path
from typing import Any, Final

from verified_nn.core import InvalidArgumentError
from verified_nn.data import DATASETS, Dataset, holdout, load, split
from verified_nn.layers import Conv2D, Dense
from verified_nn.network import Network
from verified_nn.optimizer import Optimizer, optimizer_named, state_trees

from ._augment import image_shape
from ._build import _ARCHITECTURE, architecture_fields, build_network, check_fits
from ._config import DEFAULT_TEST_FRACTION, TrainConfig
from ._errors import ModelError
from ._history import EpochRecord
from ._loop import LoopData
from ._models import SavedModel
from ._objectives import Objective, objective_for
from ._provenance import check_same_columns, data_metadata
from ._size import check_parameters


def build_optimizer(config: TrainConfig) -> Optimizer[Any]:
    """The optimizer the configuration names, at its initial learning rate (built once per run)."""
    return optimizer_named(
        config.optimizer,
        learning_rate=config.learning_rate,
        weight_decay=config.weight_decay,
        momentum=config.momentum,
        beta1=config.beta1,
        beta2=config.beta2,
    )


@dataclasses.dataclass(frozen=True)
class Run:
    """A run's data and settings, resolved before any file is written."""

    config: TrainConfig  # resolved: epochs and validation size set, dataset named after the data
    full: Dataset  # the training data as given (before the validation split)
    data: LoopData
    start: Network[Any, Any]
    objective: Objective
    recorded: dict[str, str]  # what every checkpoint records besides the scores: data, objective, config


MIN_CLASSES: Final = 2  # a classifier of one class has nothing to learn


def _given_test(test: Dataset, train: Dataset, size: int | float | None) -> Dataset:
    if test.shape != train.shape:
        raise InvalidArgumentError(
            f"the test set's examples have shape {test.shape}, the training set's {train.shape} "
            f"({test.describe()}; {train.describe()})"
        )
    if test.classes != train.classes:
        raise InvalidArgumentError(
            f"the test set's classes ({', '.join(test.classes[:5])}{'...' if len(test.classes) > 5 else ''}) "
            f"differ from the training set's ({', '.join(train.classes[:5])}{'...' if len(train.classes) > 5 else ''}) "
            f"({test.describe()}; {train.describe()})"
        )
    if size is None:
        return test
    if isinstance(size, float):
        raise InvalidArgumentError(f"test_size {size}: a fraction splits data without a test set; give a count")
    if size > len(test):
        raise InvalidArgumentError(f"test_size {size} exceeds the {len(test)} examples of the test set")
    return test.subset(slice(0, size))


def _datasets(
    config: TrainConfig, data: Dataset | None, test_data: Dataset | None, data_dir: str | Path | None
) -> tuple[Dataset, Dataset]:
    """The training data as given and the test set: the built-in ``config.dataset``'s splits, ``test_data``,
    or a stratified part of ``data`` (``config.test_size``, default a quarter)."""
    if data is None:
        if test_data is not None:
            raise InvalidArgumentError("train: test data needs training data (data=...)")
        if config.dataset not in DATASETS:
            raise InvalidArgumentError(
                f"dataset {config.dataset!r} is not built in ({', '.join(DATASETS)}): give its data "
                "(train(config, data=Dataset.from_npz(...)), or --data PATH)"
            )
        # Named as the configuration names them: the built-in's key is what a checkpoint records.
        train, test = (
            load(config.dataset, part, directory=data_dir, dtype=config.dtype).subset(slice(None), name=config.dataset)
            for part in ("train", "test")
        )
        return train, _given_test(test, train, config.test_size)
    if not isinstance(data, Dataset) or not (test_data is None or isinstance(test_data, Dataset)):
        raise InvalidArgumentError("train: data and test_data must be verified_nn.data.Dataset values")
    if test_data is not None:
        test = _given_test(test_data, data, config.test_size)  # of the same shape and classes, or refused
        check_same_columns(data.feature_names, test_data, what=f"those of {data.source}")
        return data, test
    return split(data, config.test_size if config.test_size is not None else DEFAULT_TEST_FRACTION, seed=config.seed)


def _check_classes(full: Dataset) -> None:
    if len(full.classes) < MIN_CLASSES:
        table = Path(full.source).suffix.lower() in (".csv", ".tsv", ".txt")
        raise InvalidArgumentError(
            f"the training data ({full.describe()}) has one class, {full.classes[0]!r}: a classifier needs "
            f"examples of at least {MIN_CLASSES}{' (is the label column the right one?)' if table else ''}"
        )


def split_data(
    config: TrainConfig,
    data: Dataset | None = None,
    test_data: Dataset | None = None,
    *,
    data_dir: str | Path | None = None,
) -> LoopData:
    """The examples a run of ``config`` would train on, hold out for validation and test on, as ``train`` splits
    them (the same arguments; ``data=None`` is the built-in ``config.dataset``), refused as ``train`` refuses
    them before it builds its network (one class; a test set of another shape or other classes; a network of
    more parameters than the ceiling for these examples and classes); nothing is trained or written
    (``verified-nn data check --data``)."""
    full, test = _datasets(config, data, test_data, data_dir)
    _check_classes(full)
    check_parameters(config, full.shape, len(full.classes))
    return _splits(config.resolved(len(full)), full, test)


def _splits(config: TrainConfig, full: Dataset, test: Dataset) -> LoopData:
    size = config.validation_size or 0
    train, validation = holdout(full, size, seed=config.seed) if size else (full, None)
    if config.train_size is not None:
        if config.train_size > len(train):
            raise InvalidArgumentError(
                f"train_size {config.train_size} exceeds the {len(train)} training examples left after holding "
                f"out {size} for validation (--validation-size)"
            )
        train = train.subset(slice(0, config.train_size))
    return LoopData(train=train, validation=validation, test=test)


def _recorded_config(config: TrainConfig, network: Network[Any, Any] | None) -> str:
    """The configuration a checkpoint records: its architecture fields describe the network trained, and are
    left out for a given network that no configuration builds (the model file's architecture describes it)."""
    if network is None:
        return config.to_json()
    fields = architecture_fields(network)
    if fields is not None:
        return dataclasses.replace(config, **fields).to_json()
    values = json.loads(config.to_json())
    for key in _ARCHITECTURE:
        del values[key]
    return json.dumps(values, sort_keys=True)


def prepare(
    config: TrainConfig,
    data: Dataset | None,
    test_data: Dataset | None,
    network: Network[Any, Any] | None,
    resume: SavedModel | None,
    history: list[EpochRecord],
    data_dir: str | Path | None,
) -> Run:
    """Everything a run needs that can be refused before a file is written."""
    full, test = _datasets(config, data, test_data, data_dir)
    _check_classes(full)
    config = config.resolved(len(full))
    if data is not None:
        config = dataclasses.replace(config, dataset=full.name)  # the configuration names the data it trained on
    assert config.epochs is not None
    if resume is not None and len(history) >= config.epochs:
        raise InvalidArgumentError(
            f"the checkpoint has completed {len(history)} of {config.epochs} epochs; "
            f"pass --epochs {len(history) + 1} or more to train further"
        )
    loop_data = _splits(config, full, test)
    if resume is not None:
        _check_recorded_sizes(resume)
        _check_same_data(resume, full, given=data, test_given=test_data is not None)
        wanted = build_optimizer(config).name
        if resume.optimizer is not None and resume.optimizer.name != wanted:
            raise InvalidArgumentError(
                f"the checkpoint was trained with {resume.optimizer.name}, "
                f"the configuration asks for {wanted} (--optimizer)"
            )
        start = resume.network.astype(config.dtype)
    elif network is not None:
        start = network.astype(config.dtype)
    else:
        start = build_network(config, full.shape, len(full.classes))
    check_fits(start, full, source="the checkpoint's network" if resume is not None else "the network")
    objective = objective_for(config)
    objective.check(start, full)
    if config.shift:
        image_shape(full.shape)  # refuses data that are not images
    given = network if resume is None else None
    recorded = {**data_metadata(full, test), **objective.metadata(), "config": _recorded_config(config, given)}
    return Run(config, full, loop_data, start, objective, recorded)


def _check_recorded_sizes(resume: SavedModel) -> None:
    """Refuse to resume a checkpoint whose configuration gives other layer widths than its tensors have: the
    file was altered, and the resumed run would record a network that does not exist. Only the fields the
    configuration records are compared (a given network's checkpoint records none)."""
    try:
        recorded = json.loads(resume.metadata.get("config", "{}"))
    except ValueError:
        return  # an unreadable configuration is refused where it is read
    if not isinstance(recorded, dict):
        return
    layers = resume.network.layers
    actual = {
        "hidden": [int(layer.weights.shape[0]) for layer in layers if isinstance(layer, Dense)][:-1],
        "conv": [int(layer.weights.shape[0]) for layer in layers if isinstance(layer, Conv2D)],
    }
    for field, widths in actual.items():
        if field in recorded and recorded[field] != widths:
            shown = json.dumps(recorded[field])
            raise ModelError(
                f"the checkpoint's configuration records {field} {shown[:60]}, but its tensors are "
                f"{resume.network.describe()}: the file was altered; start a new run"
            )


def _check_same_data(resume: SavedModel, full: Dataset, *, given: Dataset | None, test_given: bool) -> None:
    """Refuse to resume a run on other training data than the checkpoint's (as its SHA-256 records it); when it
    is the same data, split otherwise (a test file given then and not now), say so."""
    recorded = resume.metadata.get("train_sha256", "")
    if recorded and recorded != full.sha256:
        if given is not None and not test_given and given.sha256 == recorded:
            raise InvalidArgumentError(
                f"the checkpoint was trained on all of {given.name} and tested on a separate test set: give that "
                "set again with --test-data (without it a part of the data is held out, so the training data differs)"
            )
        raise InvalidArgumentError(
            f"the checkpoint was trained on other data ({resume.metadata.get('dataset', '?')}, SHA-256 "
            f"{recorded[:12]}...; this is {full.name}, {full.sha256[:12]}...): resume with the same data and "
            "--seed, or start a new run"
        )


def start_state(run: Run, optimizer: Optimizer[Any], resume: SavedModel | None) -> Any:
    """The optimizer state a run starts from: a fresh one, or the checkpoint's in the run's dtype."""
    if resume is None or resume.state is None:
        return optimizer.init(run.start)
    trees = state_trees(resume.state)
    return dataclasses.replace(resume.state, **{field: tree.astype(run.config.dtype) for field, tree in trees.items()})
