"""Training a network on a dataset: a run prepared, its files locked, the loop run with the trainer's hooks.

``train(config, data)`` trains on any :class:`Dataset` (without one, the built-in ``config.dataset``):
input shape and class count come from the data; a test set is ``test_data``, the data's own, or a
stratified part held out. What can refuse a run (``_prepare.py``), the loop (``_loop.py``), the
objective (``_objectives.py``), the run's files (``_runs.py``) and what each epoch end writes
(``_checkpoints.py``) are their own modules; this one puts them together.
"""

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import verified_nn
from verified_nn.core import AUTO, INPUT_DIM, NUM_CLASSES, InvalidArgumentError, ThreadChoice
from verified_nn.data import Dataset
from verified_nn.files import check_output, remove_stale_parts
from verified_nn.network import Network

from ._build import build_network
from ._callbacks import Callback, Diagnostics, EarlyStopping, Guard, Progress
from ._checkpoints import Checkpoints
from ._config import TrainConfig
from ._errors import TrainingInterrupted
from ._evaluate import Evaluation, score
from ._history import EpochRecord, best_record, parse_history, refuse_chance, write_history
from ._log import RunLog
from ._loop import Fitted, LoopSettings, batches_per_epoch, fit
from ._memory import retain_freed_memory
from ._models import SavedModel, load_model
from ._prepare import Run, build_optimizer, prepare, start_state
from ._resumed import check_resumed, recorded_config
from ._runs import RunFiles, RunLock, Saved, SetAside, check_run_name, default_run_name, missing, remove_fresh
from ._schedule import Schedule
from ._size import check_network, check_parameters, check_run


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


def _run_name(name: str | None, resume: SavedModel | None) -> str:
    if name is not None:
        return check_run_name(name)
    if resume is not None and "run" in resume.metadata:
        return check_run_name(resume.metadata["run"], source="the checkpoint's run name (pass --name to choose one)")
    return default_run_name()


def _check_sizes(
    config: TrainConfig, data: Dataset | None, network: Network[Any, Any] | None, resume: SavedModel | None
) -> None:
    """Refuse a run over a ceiling before any data is read or network built: its epochs and threads, then the
    network's parameters (counted from the configuration) and the values of its batches."""
    check_run(config)
    given = network if network is not None else resume.network if resume is not None else None
    if given is not None:
        check_network(given, batch_size=config.batch_size)
    elif data is None or isinstance(data, Dataset):  # a built-in's rows are 784 pixels of 10 classes
        shape, classes = (data.shape, len(data.classes)) if data is not None else ((INPUT_DIM,), NUM_CLASSES)
        check_parameters(config, shape, classes)
        if data is None:  # its batches too, before the files are read (building the network costs little)
            check_network(build_network(config, shape, classes), batch_size=config.batch_size)


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
    ``config.threads`` threads, chosen per epoch when it is "auto" (each epoch's record holds the count). A run
    that ends near chance accuracy raises TrainingError after saving its files. A run over a ceiling (epochs,
    threads, the network's parameters or its batches' values: :mod:`verified_nn.files`) is refused before
    its network is built.
    """
    if network is not None and resume is not None:
        raise InvalidArgumentError("train: give a network or a checkpoint to resume, not both")
    _check_sizes(config, data, network, resume)
    history = []
    if resume is not None:
        metadata = resume.metadata
        history = parse_history(metadata.get("history"), metadata.get("epoch"), metadata.get("run", "the checkpoint"))
    run = prepare(config, data, test_data, network, resume, history, data_dir)
    check_network(run.start, batch_size=run.config.batch_size)
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
    train_size = len(run.data.train)
    per_epoch = -(-min(run.config.samples_per_epoch or train_size, train_size) // run.config.batch_size)
    refuse_chance(
        result.best, result.final.confusion, files.best, history=result.history, steps=per_epoch * len(result.history)
    )
    return result


def _train_files(
    run: Run,
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
    aside = None
    if resume is None and existing:
        if not overwrite:
            resumable = f"continue it with --resume {files.last}, " if files.last.exists() else ""
            raise InvalidArgumentError(
                f"run {files.name} exists ({existing[0]}): choose another --name, {resumable}"
                "or replace it with --overwrite"
            )
        aside = SetAside([path for path in existing if path.is_symlink() or path.is_file()])
    try:
        result = _write_run(run, files, resume, history, saved, echo, callbacks)
    except BaseException:
        if aside is not None and saved.epoch is None:  # nothing of the new run is worth the old one's files
            for path in files.existing():
                if path.is_symlink() or path.is_file():
                    path.unlink()
            aside.restore()
        raise
    finally:
        if aside is not None and saved.epoch is not None:
            aside.discard()
    return result


def _write_run(
    run: Run,
    files: RunFiles,
    resume: SavedModel | None,
    history: list[EpochRecord],
    saved: Saved,
    echo: bool,
    callbacks: Sequence[Callback],
) -> TrainResult:
    """The run itself, its files checked and written (the old run's, if it replaces one, set aside)."""
    for path in (files.best, files.last, files.log, files.history_csv, files.history_json):
        check_output(path, parents=True)  # a link, directory or FIFO in their place: refused now
    log = RunLog(files.log, echo=echo)
    retain_freed_memory()  # no page faults for each step's large arrays (a CNN's: a fifth of its time)
    fitted = None
    try:
        # Loading and the first evaluation: the fixed count, or one thread until "auto" chooses per epoch.
        threads = run.config.threads
        with ThreadChoice(1 if threads == AUTO else int(threads), "").limits():
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
    run: Run,
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
    if resume is not None:
        log(f"resuming from {resume.metadata.get('run', 'a checkpoint')} after epoch {resume.metadata.get('epoch')}")
    state = start_state(run, optimizer, resume)
    if resume is not None and history:  # the last record must describe the parameters it is saved with
        check_resumed(
            history[-1],
            run.start,
            config,
            recorded_config(resume.metadata, config),
            objective=run.objective,
            train=data.train,
            validation=data.validation,
            test=test,
        )
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
        threads=config.threads,
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
        Checkpoints(run, files, saved, log),
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
