"""Training a network on a dataset: the data split, the network fitted to it, the run's files, the loop.

``train(config, data)`` trains on any :class:`Dataset` (without one, the built-in ``config.dataset``):
input shape and class count come from the data; a test set is ``test_data``, the data's own, or a
stratified part held out. The loop (``_loop.py``), the objective (``_objectives.py``) and the run's files
(``_runs.py``) are their own modules; this one puts them together.
"""

import dataclasses
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from threadpoolctl import threadpool_limits  # type: ignore[import-untyped, unused-ignore]  # ships no types

import verified_nn
from verified_nn.core import InvalidArgumentError
from verified_nn.data import DATASETS, Dataset, holdout, load, split
from verified_nn.files import check_output, remove_stale_parts
from verified_nn.network import Network
from verified_nn.optimizer import Optimizer, optimizer_named, state_trees

from ._augment import image_shape
from ._build import _ARCHITECTURE, architecture_fields, build_network, check_fits
from ._callbacks import Callback, Diagnostics, EarlyStopping, EpochEnd, Guard, Progress
from ._config import TrainConfig
from ._errors import TrainingError, TrainingInterrupted
from ._evaluate import Evaluation, score
from ._history import EpochRecord, best_record, parse_history, write_history
from ._log import RunLog
from ._loop import Fitted, LoopData, LoopSettings, batches_per_epoch, fit
from ._memory import retain_freed_memory
from ._models import SavedModel, load_model, save_model
from ._objectives import Objective, objective_for
from ._provenance import data_metadata
from ._runs import (
    RunFiles,
    RunLock,
    Saved,
    check_run_name,
    checkpoint_metadata,
    default_run_name,
    missing,
    remove_fresh,
)
from ._schedule import Schedule

SAVE_INTERVAL: Final = 10.0  # seconds between checkpoint writes at the most (and always at the end of a run)


@dataclasses.dataclass(frozen=True)
class TrainResult:
    """The outcome of a run."""

    network: Network[Any, Any]  # the parameters after the last epoch
    history: tuple[EpochRecord, ...]  # one record per completed epoch, including resumed ones
    best_path: Path  # the checkpoint of the best epoch (see best_record)
    last_path: Path  # the checkpoint after the last completed epoch (resumable)
    log_path: Path  # the run's log file
    final: Evaluation  # the last epoch's test evaluation
    validation_size: int = 0  # examples in the validation split (0: none)
    stopped: str | None = None  # why the run stopped before its last epoch (early stopping), or None
    files: RunFiles | None = None  # every file of the run (history, plots)

    @property
    def best(self) -> EpochRecord:
        """The epoch chosen on the validation split (the last one when there is none): see best_record."""
        return best_record(self.history, self.validation_size)

    @property
    def train_seconds(self) -> float:
        return sum(record.train_seconds for record in self.history)


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
class _Run:
    """A run's data and settings, resolved before any file is written."""

    config: TrainConfig  # resolved: epochs and validation size set, dataset named after the data
    full: Dataset  # the training data as given (before the validation split)
    data: LoopData
    start: Network[Any, Any]
    objective: Objective
    recorded: dict[str, str]  # what every checkpoint records besides the scores: data, objective, config


def _given_test(test: Dataset, train: Dataset, size: int | float | None) -> Dataset:
    if test.shape != train.shape or test.classes != train.classes:
        raise InvalidArgumentError(
            f"the test set ({test.describe()}: classes {', '.join(test.classes[:5])}...) does not match the "
            f"training set ({train.describe()}: classes {', '.join(train.classes[:5])}...)"
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
        return data, _given_test(test_data, data, config.test_size)
    return split(data, config.test_size if config.test_size is not None else 0.25, seed=config.seed)


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


def _prepare(
    config: TrainConfig,
    data: Dataset | None,
    test_data: Dataset | None,
    network: Network[Any, Any] | None,
    resume: SavedModel | None,
    history: list[EpochRecord],
    data_dir: str | Path | None,
) -> _Run:
    """Everything a run needs that can be refused before a file is written."""
    full, test = _datasets(config, data, test_data, data_dir)
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
        _check_same_data(resume, full)
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
    return _Run(config, full, loop_data, start, objective, recorded)


def _check_same_data(resume: SavedModel, full: Dataset) -> None:
    """Refuse to resume a run on other training data than the checkpoint's (as its SHA-256 records it)."""
    recorded = resume.metadata.get("train_sha256", "")
    if recorded and recorded != full.sha256:
        raise InvalidArgumentError(
            f"the checkpoint was trained on other data ({resume.metadata.get('dataset', '?')}, SHA-256 "
            f"{recorded[:12]}...; this is {full.name}, {full.sha256[:12]}...): resume with the same data and "
            "--seed, or start a new run"
        )


def _state(run: _Run, optimizer: Optimizer[Any], resume: SavedModel | None, log: RunLog) -> Any:
    """The optimizer state a run starts from."""
    if resume is None:
        return optimizer.init(run.start)
    if resume.optimizer is not None and resume.optimizer.name != optimizer.name:
        raise InvalidArgumentError(
            f"the checkpoint was trained with {resume.optimizer.name}, "
            f"the configuration asks for {optimizer.name} (--optimizer)"
        )
    log(f"resuming from {resume.metadata.get('run', 'a checkpoint')} after epoch {resume.metadata.get('epoch')}")
    if resume.state is None:
        return optimizer.init(run.start)
    dtype = run.config.dtype
    return dataclasses.replace(
        resume.state, **{field: tree.astype(dtype) for field, tree in state_trees(resume.state).items()}
    )


class _Checkpoints(Callback):
    """After each epoch: the epoch's line in the log, and the best and last checkpoints.

    A checkpoint is written when :data:`SAVE_INTERVAL` seconds have passed since the last write, and always
    when the run ends, however it ends (done, stopped early, diverged, interrupted): short epochs do not
    spend their time in fsync, and only a run killed outright (SIGKILL) can lose up to that many seconds.
    """

    def __init__(self, run: _Run, files: RunFiles, saved: Saved, log: RunLog) -> None:
        self.run, self.files, self.saved, self.log = run, files, saved, log
        self.pending: dict[Path, tuple[EpochEnd, dict[str, Any]]] = {}
        self.written = time.monotonic()

    def on_epoch_end(self, end: EpochEnd) -> str | None:
        config, record, files = self.run.config, end.record, self.files
        validation_size = len(self.run.data.validation) if self.run.data.validation is not None else 0
        improved = best_record(end.history, validation_size) is record
        metadata = checkpoint_metadata(
            config, record, end.history, files.name, {"train_size": str(len(self.run.data.train)), **self.run.recorded}
        )
        if improved:
            self.pending[files.best] = (end, {**metadata, "kind": "best"})
            self.saved.best = True  # written by the next flush, which every way out of the loop makes
        self.pending[files.last] = (end, {**metadata, "kind": "last"})
        self.saved.epoch = record.epoch
        if time.monotonic() - self.written >= SAVE_INTERVAL:
            self.flush()
        text = f" | val acc {record.validation_accuracy:.2%}" if record.validation_accuracy is not None else ""
        if record.validation_verified is not None:
            text += f" | val verified {record.validation_verified:.2%}"
        text += f" | test acc {record.test_accuracy:.2%}"
        if record.test_verified is not None:
            text += f" | test verified {record.test_verified:.2%}"
        self.log(
            f"epoch {record.epoch}/{config.epochs} | {record.train_seconds:.2f} s | mean loss {record.mean_loss:.4f}"
            f" | train acc {record.train_accuracy:.2%}{text}" + (f" | best, saved {files.best}" if improved else "")
        )
        return None

    def flush(self) -> None:
        """Write the checkpoints not yet on disk."""
        for path, (end, metadata) in self.pending.items():
            save_model(path, end.network, metadata, optimizer=end.optimizer, state=end.state)
        self.pending.clear()
        self.written = time.monotonic()

    def on_train_end(self) -> None:
        self.flush()


def _run_name(name: str | None, resume: SavedModel | None) -> str:
    if name is not None:
        return check_run_name(name)
    if resume is not None and "run" in resume.metadata:
        return check_run_name(resume.metadata["run"], source="the checkpoint's run name (pass --name to choose one)")
    return default_run_name()


def train(
    config: TrainConfig,
    data: Dataset | None = None,
    *,
    test_data: Dataset | None = None,
    network: Network[Any, Any] | None = None,
    data_dir: str | Path | None = None,
    out_dir: str | Path = "models",
    log_dir: str | Path = "logs",
    name: str | None = None,
    resume: SavedModel | None = None,
    overwrite: bool = False,
    echo: bool = True,
    callbacks: Sequence[Callback] = (),
) -> TrainResult:
    """Train a network as ``config`` says; write a log, a best and a last checkpoint and the history; return
    the result.

    The data is ``data`` (any :class:`Dataset`; without it, the built-in ``config.dataset``), tested on
    ``test_data``, else on the data's own test split (built-ins), else on a stratified ``config.test_size``
    (default a quarter) held out from ``data``. The network is ``network`` if given (checked against the
    data's shape and classes before the first batch), else the one ``config`` describes, sized to the data.
    With ``resume`` (a checkpoint of a previous run), training continues after its last completed epoch with
    its parameters, optimizer state and history. The run's files are named after ``name`` (default: a fresh
    timestamped name); a name whose files exist is refused unless resuming or ``overwrite``, and a name another
    process is training is refused. ``callbacks`` (:class:`Callback`) see every batch and epoch. BLAS runs on
    ``config.threads`` threads. A run that ends near chance accuracy raises TrainingError after saving its files.
    """
    if network is not None and resume is not None:
        raise InvalidArgumentError("train: give a network or a checkpoint to resume, not both")
    history = []
    if resume is not None:
        metadata = resume.metadata
        history = parse_history(metadata.get("history"), metadata.get("epoch"), metadata.get("run", "the checkpoint"))
    run = _prepare(config, data, test_data, network, resume, history, data_dir)
    files = RunFiles.of(_run_name(name, resume), out_dir, log_dir)
    fresh = missing(files.log.parent, files.best.parent, files.log)
    saved = Saved(files, epoch=len(history) or None, best=bool(history) and files.best.exists())
    try:
        with RunLock(files):
            result = _train_files(run, files, resume, history, saved, overwrite, echo, callbacks)
    except Exception:
        if resume is None and not saved.started:
            remove_fresh(fresh)  # refused before its first epoch
        raise
    _refuse_chance(result, files)
    return result


def _train_files(
    run: _Run,
    files: RunFiles,
    resume: SavedModel | None,
    history: list[EpochRecord],
    saved: Saved,
    overwrite: bool,
    echo: bool,
    callbacks: Sequence[Callback],
) -> TrainResult:
    """The part of :func:`train` that holds the run's lock and writes its files."""
    remove_stale_parts(files.best.parent)  # checkpoints half-written by processes that died
    existing = files.existing()
    if resume is None and existing:
        if not overwrite:
            raise InvalidArgumentError(
                f"run {files.name} exists ({existing[0]}): choose another --name, "
                f"continue it with --resume {files.last}, or replace it with --overwrite"
            )
        for path in existing:
            if path.is_symlink() or path.is_file():  # a link is removed, never followed
                path.unlink()
    for path in (files.best, files.last, files.log, files.history_csv, files.history_json):
        check_output(path, parents=True)  # a link, directory or FIFO in their place: refused now
    log = RunLog(files.log, echo=echo)
    retain_freed_memory()  # no page faults for each step's large arrays (a CNN's: a fifth of its time)
    fitted = None
    try:
        with threadpool_limits(limits=run.config.threads):
            fitted = _fit(run, files, resume, history, saved, log, callbacks)
    except KeyboardInterrupt:
        raise TrainingInterrupted(saved.interrupted()) from None
    finally:
        records = fitted.history if fitted is not None else _saved_history(files, saved)
        if records:
            write_history(records, files.history_csv, files.history_json)
        log.close()
    assert fitted.test is not None  # the trainer always has a test set
    return TrainResult(
        network=fitted.network,
        history=fitted.history,
        best_path=files.best,
        last_path=files.last,
        log_path=log.path,
        final=fitted.test,
        validation_size=len(run.data.validation) if run.data.validation is not None else 0,
        stopped=fitted.stopped,
        files=files,
    )


def _saved_history(files: RunFiles, saved: Saved) -> tuple[EpochRecord, ...]:
    """The history of the last checkpoint on disk (for an interrupted or failed run's history files)."""
    if saved.epoch is None or not files.last.exists():
        return ()
    try:
        metadata = load_model(files.last).metadata
        return tuple(parse_history(metadata.get("history"), metadata.get("epoch"), str(files.last)))
    except (ValueError, OSError):
        return ()


def _fit(
    run: _Run,
    files: RunFiles,
    resume: SavedModel | None,
    history: list[EpochRecord],
    saved: Saved,
    log: RunLog,
    callbacks: Sequence[Callback],
) -> Fitted:
    config, data = run.config, run.data
    assert config.epochs is not None
    log(f"run {files.name} | verified-nn {verified_nn.__version__} | config {config.to_json()}")
    test = data.test
    assert test is not None
    validation = f", validation {len(data.validation):,}" if data.validation is not None else ""
    log(f"data {run.full.describe()} | train {len(data.train):,}{validation}, test {len(test):,}")
    optimizer = build_optimizer(config)
    state = _state(run, optimizer, resume, log)
    log(f"network {run.start.describe()}")
    if not history:
        initial = score(run.start, test)
        log(f"initial | test acc {initial.accuracy:.2%} | test loss {initial.loss:.4f}")
    settings = LoopSettings(
        epochs=config.epochs,
        batch_size=config.batch_size,
        seed=config.seed,
        samples_per_epoch=config.samples_per_epoch,
        clip_norm=config.clip_norm,
        log_every=config.log_every,
        shift=config.shift,
        train_eval_size=config.train_eval_size,
    )
    hooks: list[Callback] = [
        Progress(),
        Guard(
            max_loss=config.max_loss,
            max_grad_norm=config.max_grad_norm,
            clipping=config.clip_norm is not None,
            kept=saved.kept,
        ),
        Diagnostics(log, config.epochs),
        _Checkpoints(run, files, saved, log),
        *([EarlyStopping(config.patience)] if config.patience is not None else []),
        *callbacks,
    ]
    if config.patience is not None and data.validation is None:
        raise InvalidArgumentError("patience: early stopping needs a validation split (--validation-size > 0)")
    saved.started = True
    fitted = fit(
        run.start,
        state,
        optimizer,
        data=data,
        settings=settings,
        schedule=Schedule.of(config, batches_per_epoch(data.train, settings)),
        objective=run.objective,
        callbacks=hooks,
        history=history,
    )
    if fitted.stopped is not None:
        log(fitted.stopped)
    best = best_record(fitted.history, len(data.validation) if data.validation is not None else 0)
    chosen = "last epoch"
    if best.validation_accuracy is not None:
        chosen = "validation verified" if best.validation_verified is not None else "validation"
    final = fitted.test.accuracy if fitted.test is not None else float("nan")
    log(
        f"done | {sum(r.train_seconds for r in fitted.history):.1f} s of training | final test acc {final:.2%} | "
        f"best epoch {best.epoch} (by {chosen}): test acc {best.test_accuracy:.2%}"
    )
    return fitted


def _refuse_chance(result: TrainResult, files: RunFiles) -> None:
    """TrainingError when the chosen epoch is barely better than always answering the most common class:
    below ``c + (1 - c) / 9`` for that class's share ``c`` (20% for ten balanced classes)."""
    best = result.best
    confusion = result.final.confusion
    classes = confusion.shape[0]
    common = float(confusion.sum(axis=1).max() / max(confusion.sum(), 1))
    threshold = common + (1 - common) / 9
    which, score_value = (
        ("validation", best.validation_accuracy)
        if best.validation_accuracy is not None
        else ("test", best.test_accuracy)
    )
    if score_value is not None and score_value < threshold:
        raise TrainingError(
            f"the run ended near chance: {score_value:.2%} {which} accuracy over {classes} classes (files kept: "
            f"{files.best}); it learned nothing: train again with a smaller --lr (the defaults, --lr 0.05 "
            "--momentum 0.9, train the default network)"
        )
