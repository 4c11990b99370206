"""Mini-batch training of any network: diagnostics, guarding, model selection on held-out data, resuming."""

import contextlib
import dataclasses
import json
import math
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

import verified_nn
from verified_nn.core import (
    AUTO,
    INPUT_DIM,
    NUM_CLASSES,
    ClassDim,
    Features,
    InputDim,
    InvalidArgumentError,
    ShapeError,
    ThreadChoice,
    choose_threads,
)
from verified_nn.data import Dataset, load
from verified_nn.files import JSONError, check_output, parse_json, remove_stale_parts
from verified_nn.layers import Mode
from verified_nn.network import Network, backprop, cnn, global_norm, map_unchecked, mlp
from verified_nn.optimizer import SGD, Adam, AdamW, Momentum, Optimizer, state_trees
from verified_nn.robust import Ramp, certified_loss_and_gradients, check_supported, interval_verified

from ._augment import shift_images
from ._config import TrainConfig
from ._errors import ModelError, TrainingError, TrainingInterrupted
from ._evaluate import Evaluation, evaluate
from ._log import RunLog
from ._memory import retain_freed_memory
from ._models import SavedModel, save_model
from ._provenance import check_resumed, recorded_config
from ._runs import RunFiles, RunLock, check_run_name, default_run_name
from ._schedule import learning_rate_at
from ._size import check_network, check_run

MnistNetwork = Network[Features[ClassDim], Features[InputDim]]


@dataclasses.dataclass(frozen=True)
class EpochRecord:
    """What one epoch did."""

    epoch: int  # 1-based
    learning_rate: float  # the rate used throughout the epoch
    mean_loss: float  # mean training loss over the epoch's batches
    train_accuracy: float  # on the first train_eval_size training examples, after the epoch
    validation_accuracy: float | None  # on the held-out training images (None without a validation split)
    validation_loss: float | None  # mean cross-entropy on them
    test_accuracy: float  # on the whole (configured) test split, after the epoch: reported, never used to choose
    test_loss: float  # mean cross-entropy on the test split
    train_seconds: float  # time spent in gradient steps
    eval_seconds: float  # time spent evaluating
    # Certified training only: the fraction proven robust at certified_eps by interval bounds (None otherwise).
    validation_verified: float | None = None  # on the validation images; chooses the best epoch when present
    test_verified: float | None = None  # on the test images: reported, never used to choose
    threads: int | None = None  # the BLAS threads the epoch ran on (None: not recorded, older checkpoints)


def best_record(history: tuple[EpochRecord, ...] | list[EpochRecord], validation_size: int = 0) -> EpochRecord:
    """The epoch whose checkpoint is kept as best, chosen on the validation images only.

    The latest epoch whose validation accuracy lies within one standard error of the highest
    (``sqrt(p (1 - p) / n)`` for the best accuracy ``p`` on ``n`` images): differences smaller than that
    are noise, and a later epoch has had its learning rate annealed further. The last epoch when there
    is no validation split. A certified run scores by the fraction of validation images verified instead
    (its clean accuracy is highest before eps has grown).
    """
    certified = all(record.validation_verified is not None for record in history)
    scores = [record.validation_verified if certified else record.validation_accuracy for record in history]
    if any(score is None for score in scores) or validation_size < 1:
        return history[-1]
    top = max(score for score in scores if score is not None)
    margin = math.sqrt(top * (1 - top) / validation_size)
    return [
        record for record, score in zip(history, scores, strict=True) if score is not None and score >= top - margin
    ][-1]


@dataclasses.dataclass(frozen=True)
class TrainResult:
    """The outcome of a run."""

    network: Network[Any, Any]  # the parameters after the last epoch
    history: tuple[EpochRecord, ...]  # one record per completed epoch, including resumed ones
    best_path: Path  # the checkpoint of the best epoch (see best_record)
    last_path: Path  # the checkpoint after the last completed epoch (resumable)
    log_path: Path  # the run's log file
    final: Evaluation  # the last epoch's test evaluation

    validation_size: int = 0  # images in the validation split (0: none)

    @property
    def best(self) -> EpochRecord:
        """The epoch chosen on the validation split (the last one when there is none): see best_record."""
        return best_record(self.history, self.validation_size)

    @property
    def train_seconds(self) -> float:
        return sum(record.train_seconds for record in self.history)


def build_network(config: TrainConfig) -> Network[Any, Any]:
    """The network the configuration describes, initialised from ``config.seed``: the MLP ``784 -> hidden... -> 10``,
    or with ``config.conv`` the CNN of those convolution blocks followed by the hidden layers (``network.cnn``)."""
    rng = np.random.default_rng(config.seed)
    if config.conv:
        return cnn(
            config.conv,
            kernel=config.kernel,
            stride=config.conv_stride,
            hidden=config.hidden,
            rng=rng,
            activation=config.activation,
            dropout=config.dropout,
            dtype=config.dtype,
        )
    sizes = (INPUT_DIM, *config.hidden, NUM_CLASSES)
    return mlp(sizes, rng=rng, activation=config.activation, dropout=config.dropout, dtype=config.dtype)


def _buildable(config: TrainConfig) -> Network[Any, Any]:
    """:func:`build_network`, with a convolution stack too deep for the image refused as a bad ``conv``."""
    try:
        return build_network(config)
    except ShapeError as error:
        if not config.conv:
            raise
        conv = ",".join(map(str, config.conv))
        raise InvalidArgumentError(
            f"conv {conv} with kernel {config.kernel} does not fit a 28x28 image (fewer blocks, "
            f"or a smaller kernel): {error}"
        ) from None


def build_optimizer(config: TrainConfig, rate: float | None = None) -> Optimizer[Any]:
    """The optimizer the configuration names, at learning rate ``rate`` (default: the configured one)."""
    lr = config.learning_rate if rate is None else rate
    decay = config.weight_decay
    if config.optimizer == "sgd":
        return SGD(learning_rate=lr, weight_decay=decay)
    if config.optimizer in ("momentum", "nesterov"):
        return Momentum(
            learning_rate=lr, momentum=config.momentum, nesterov=config.optimizer == "nesterov", weight_decay=decay
        )
    adam = AdamW if config.optimizer == "adamw" else Adam
    return adam(learning_rate=lr, beta1=config.beta1, beta2=config.beta2, weight_decay=decay)


def _metadata(
    config: TrainConfig, record: EpochRecord, history: list[EpochRecord], run: str, size: int
) -> dict[str, Any]:
    validation = record.validation_accuracy
    return {
        "run": run,
        "epoch": record.epoch,
        "train_accuracy": f"{record.train_accuracy:.6f}",
        "validation_accuracy": "" if validation is None else f"{validation:.6f}",
        "test_accuracy": f"{record.test_accuracy:.6f}",
        "loss": f"{record.mean_loss:.6f}",
        "learning_rate": f"{record.learning_rate:.6g}",
        "dataset": config.dataset,
        "train_size": size,
        "seed": config.seed,
        "version": verified_nn.__version__,
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": config.to_json(),
        **_certified_metadata(config, record),
        "history": json.dumps([dataclasses.asdict(h) for h in history]),
    }


def _certified_metadata(config: TrainConfig, record: EpochRecord) -> dict[str, str]:
    """What ``inspect`` shows of a certified run: its loss and schedule, and the epoch's verified fractions."""
    if config.certified_eps is None:
        return {}
    shown = {
        "certified_training": (
            f"{config.certified_method}, eps {config.certified_eps:g}, warm-up {config.certified_warmup:g} "
            f"epochs, ramp {config.certified_ramp:g} epochs, kappa {config.certified_kappa:g}"
            + (f", beta {config.certified_beta:g}" if config.certified_method == "crown-ibp" else "")
        )
    }
    for key in ("validation_verified", "test_verified"):
        value = getattr(record, key)
        if value is not None:
            shown[key] = f"{value:.6f}"
    return shown


class _Guard:
    """Stops a run whose loss is not finite or whose gradient norm explodes, saying what to do."""

    def __init__(self, config: TrainConfig, best_path: Path, *, saved: bool) -> None:
        self.config = config
        self.best_path = best_path
        self.saved = saved  # whether this run (or the run it resumes) has written best_path

    def check(self, epoch: int, batch: int, loss: float, norm: float | None, rate: float) -> None:
        problem = None
        if not math.isfinite(loss):
            problem = f"the loss is {loss}"
        elif loss > self.config.max_loss:
            problem = f"the loss {loss:.3g} exceeds {self.config.max_loss:g}"
        elif norm is not None and not math.isfinite(norm):
            problem = f"the gradient norm is {norm}"
        elif norm is not None and self.config.clip_norm is None and norm > self.config.max_grad_norm:
            problem = f"the gradient norm {norm:.3g} exceeds {self.config.max_grad_norm:g}"
        if problem is None:
            return
        kept = f"the best model so far is kept in {self.best_path}" if self.saved else "no model was saved"
        raise TrainingError(
            f"epoch {epoch}, batch {batch}: {problem}: training diverged at learning rate {rate:g}; "
            f"lower it (--lr {rate / 10:g}); {kept}"
        )


def split_validation(dataset: Dataset, size: int, train_size: int | None = None) -> tuple[Dataset, Dataset | None]:
    """``(train, validation)``: the last ``size`` images of ``dataset`` are held out for validation, and
    training uses the first ``train_size`` of the rest (all of them for None).

    Holding out the end keeps the training images of a ``train_size`` run the first ``train_size`` of the
    split, as the Lean project's runs used them; MNIST's training file is not ordered by class.
    """
    available = len(dataset) - size
    if available < 1:
        raise InvalidArgumentError(f"validation_size {size} leaves no training images out of {len(dataset)}; lower it")
    if train_size is not None and train_size > available:
        raise InvalidArgumentError(
            f"train_size {train_size} exceeds the {available} training images left after holding out "
            f"{size} for validation (--validation-size)"
        )

    def part(selection: slice, split: str) -> Dataset:
        return dataclasses.replace(
            dataset, split=split, images=dataset.images[selection], labels=dataset.labels[selection]
        )

    train = part(slice(0, train_size if train_size is not None else available), dataset.split)
    return train, (part(slice(available, None), "validation") if size else None)


def _first(dataset: Dataset, size: int | None) -> Dataset:
    """The first ``size`` images of ``dataset`` (all of them for None)."""
    if size is None:
        return dataset
    if size > len(dataset):
        raise InvalidArgumentError(f"test_size {size} exceeds the {len(dataset)} images of the {dataset.split} split")
    return dataclasses.replace(dataset, images=dataset.images[:size], labels=dataset.labels[:size])


def _history(resume: SavedModel) -> list[EpochRecord]:
    """The epochs a checkpoint records, validated: a list of complete records for epochs 1, 2, ..., n."""
    source = resume.metadata.get("run", "the checkpoint")
    try:
        records = parse_json(resume.metadata.get("history", ""))
        history = [EpochRecord(**record) for record in records]
    except (JSONError, TypeError):
        raise ModelError(f"{source}: the checkpoint's history is not a list of epoch records") from None
    fields = {field.name: field for field in dataclasses.fields(EpochRecord)}
    for index, record in enumerate(history, start=1):
        numbers = [getattr(record, name) for name in fields if name != "epoch"]
        if record.epoch != index or not all(
            value is None or (isinstance(value, int | float) and math.isfinite(value)) for value in numbers
        ):
            raise ModelError(f"{source}: the checkpoint's history is inconsistent at record {index}")
    if str(len(history)) != resume.metadata.get("epoch", str(len(history))):
        raise ModelError(
            f"{source}: the checkpoint says epoch {resume.metadata.get('epoch')} but records {len(history)}"
        )
    return history


def _run_name(name: str | None, resume: SavedModel | None) -> str:
    if name is not None:
        return check_run_name(name)
    if resume is not None and "run" in resume.metadata:
        return check_run_name(resume.metadata["run"], source="the checkpoint's run name (pass --name to choose one)")
    return default_run_name()


def train(
    config: TrainConfig,
    *,
    network: MnistNetwork | None = None,
    data_dir: str | Path | None = None,
    out_dir: str | Path = "models",
    log_dir: str | Path = "logs",
    name: str | None = None,
    resume: SavedModel | None = None,
    overwrite: bool = False,
    echo: bool = True,
) -> TrainResult:
    """Train a network as ``config`` says; write a log, a best and a last checkpoint; return the result.

    The network is ``network`` if given (any architecture taking 784-pixel images to 10 classes; mypy
    checks both sizes), else the MLP that ``config.hidden``, ``activation`` and ``dropout`` describe. With
    ``resume`` (a checkpoint written by a previous run), training continues after its last completed
    epoch with its parameters, optimizer state and history. The run's files are named after ``name``
    (default: a fresh timestamped name); a name whose files exist is refused unless resuming or
    ``overwrite``, and a name another process is training is refused. BLAS runs on ``config.threads``
    threads, chosen per epoch when it is "auto" (each epoch's record holds the count). A run that ends
    near chance accuracy raises TrainingError after saving its files. The
    process keeps the memory it frees for reuse from then on (:func:`retain_freed_memory`).
    """
    if network is not None and resume is not None:
        raise InvalidArgumentError("train: give a network or a checkpoint to resume, not both")
    check_run(config)  # epochs, threads, parameters: before the network is built
    history = _history(resume) if resume is not None else []
    if resume is not None and len(history) >= config.epochs:
        raise InvalidArgumentError(
            f"the checkpoint has completed {len(history)} of {config.epochs} epochs; "
            f"pass --epochs {len(history) + 1} or more to train further"
        )
    start = resume.network if resume is not None else network if network is not None else _buildable(config)
    check_network(start, batch_size=config.batch_size)
    if resume is None:  # a network that cannot be built, or bounded, is refused before any file is written
        _check_certified(config, start)
    files = RunFiles.of(_run_name(name, resume), out_dir, log_dir)
    fresh = _missing(files.log.parent, files.best.parent, files.log)
    progress = _Progress(files)
    try:
        result = _train_files(config, files, network, data_dir, resume, history, progress, overwrite, echo)
    except Exception:
        if resume is None and not progress.started:
            _remove_fresh(fresh)  # refused before its first epoch (a size the data does not have)
        raise
    _refuse_chance(result, files)
    return result


def _missing(*paths: Path) -> list[Path]:
    """The paths among ``paths`` and their ancestors that do not exist yet, parents first."""
    missing: list[Path] = []
    for path in paths:
        chain = [path, *path.parents]
        for candidate in reversed(chain):
            if not candidate.exists() and candidate not in missing:
                missing.append(candidate)
    return missing


def _remove_fresh(fresh: list[Path]) -> None:
    """Remove what a run that failed before saving an epoch created: its log (only its header and the error's
    context) and the directories it made, if empty, so that a refused run leaves nothing behind."""
    for path in reversed(fresh):  # the log before its directory
        with contextlib.suppress(OSError):  # not empty: another run's files
            path.rmdir() if path.is_dir() else path.unlink(missing_ok=True)


def _train_files(
    config: TrainConfig,
    files: RunFiles,
    network: MnistNetwork | None,
    data_dir: str | Path | None,
    resume: SavedModel | None,
    history: list[EpochRecord],
    progress: "_Progress",
    overwrite: bool,
    echo: bool,
) -> TrainResult:
    """The part of :func:`train` that holds the run's lock and writes its files."""
    with RunLock(files):
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
        for path in (files.best, files.last, files.log):  # a link, directory or FIFO in their place: refused now
            check_output(path, parents=True)
        log = RunLog(files.log, echo=echo)
        retain_freed_memory()  # no page faults for each step's large arrays (a CNN's: a fifth of its time)
        try:
            # Loading and the first evaluation: the fixed count, or one thread until "auto" chooses per epoch.
            with ThreadChoice(1 if config.threads == AUTO else int(config.threads), "").limits():
                log(f"run {files.name} | verified-nn {verified_nn.__version__} | config {config.to_json()}")
                full_train = load(config.dataset, "train", directory=data_dir, dtype=config.dtype, report=log)
                train_set, validation_set = split_validation(full_train, config.validation_size, config.train_size)
                full_test = load(config.dataset, "test", directory=data_dir, dtype=config.dtype, report=log)
                test_set = _first(full_test, config.test_size)
                data = _Data(train_set, validation_set, test_set)
                result = _run(config, files, network, data, log, resume, history, progress)
        except KeyboardInterrupt:
            raise TrainingInterrupted(progress.interrupted()) from None
        finally:
            log.close()
    return result


@dataclasses.dataclass(frozen=True)
class _Data:
    train: Dataset
    validation: Dataset | None
    test: Dataset


class _Progress:
    """What a run has saved so far, for the message when it is interrupted."""

    def __init__(self, files: RunFiles) -> None:
        self.files = files
        self.epoch: int | None = None  # the last epoch whose checkpoint is on disk
        self.started = False  # whether the first epoch has begun: the run's log is worth keeping

    def interrupted(self) -> str:
        if self.epoch is None:
            return "interrupted before an epoch was completed: nothing was saved"
        return (
            f"interrupted; epoch {self.epoch} is saved in {self.files.last}: "
            f"continue with verified-nn train --resume {self.files.last}"
        )


def _refuse_chance(result: TrainResult, files: RunFiles) -> None:
    """TrainingError when the chosen epoch is barely better than guessing (below twice chance accuracy)."""
    best = result.best
    classes = result.final.confusion.shape[0]
    which, score = (
        ("validation", best.validation_accuracy)
        if best.validation_accuracy is not None
        else ("test", best.test_accuracy)
    )
    if score is not None and score < 2.0 / classes:
        raise TrainingError(
            f"the run ended near chance: {score:.2%} {which} accuracy over {classes} classes (files kept: "
            f"{files.best}); it learned nothing: train again with a smaller --lr (the defaults, --lr 0.05 "
            "--momentum 0.9, train the default network)"
        )


def _epoch(
    config: TrainConfig,
    epoch: int,
    optimizer: Optimizer[Any],
    network: Network[Any, Any],
    state: Any,
    train_set: Dataset,
    guard: _Guard,
    log: RunLog,
) -> tuple[Network[Any, Any], Any, np.ndarray[Any, Any]]:
    """One epoch of mini-batch steps over a seeded draw of the training set; returns the batch losses."""
    count = len(train_set)
    per_epoch = min(config.samples_per_epoch or count, count)
    batches = -(-per_epoch // config.batch_size)
    rate = optimizer.rate
    order = np.random.default_rng([config.seed, epoch]).permutation(count)[:per_epoch]  # indices only
    ramp = _ramp(config)
    losses = np.empty(batches)
    with tqdm(total=batches, desc=f"epoch {epoch}/{config.epochs}", leave=False, disable=None) as bar:
        for batch in range(batches):
            chosen = order[batch * config.batch_size : (batch + 1) * config.batch_size]
            images, labels = train_set.images[chosen], train_set.labels[chosen]  # one batch copied
            if config.shift:
                images = shift_images(images, config.shift, np.random.default_rng([config.seed, epoch, batch, 1]))
            mode = Mode.train(config.seed, epoch, batch)  # dropout's mask: the same for a resumed run
            if ramp is None:
                step, certified = optimizer.step_measured, ""
            else:
                eps, kappa, beta = ramp.at(epoch - 1 + batch / batches)
                step = _certified_step(optimizer, config, eps=eps, kappa=kappa, beta=beta)
                certified = f" | eps {eps:.4g} | kappa {kappa:.3g}"
            if (batch + 1) % config.log_every == 0:
                before = network
                network, state, loss, norm = step(network, state, images, labels, mode=mode, max_norm=config.clip_norm)
                change = global_norm(map_unchecked(np.subtract, network, before))
                log(
                    f"epoch {epoch}/{config.epochs} | batch {batch + 1}/{batches} | loss {loss:.4f} | "
                    f"grad-norm {norm:.4f} | param-change {change:.4f} | lr {rate:.4g}{certified}"
                )
            else:
                network, state, loss, norm = step(network, state, images, labels, mode=mode, max_norm=config.clip_norm)
            guard.check(epoch, batch + 1, loss, norm, rate)  # every batch: its loss and gradient norm
            losses[batch] = loss
            bar.update()
    return network, state, losses


def _ramp(config: TrainConfig) -> Ramp | None:
    """The certified-training schedule the configuration asks for (None: plain training)."""
    if config.certified_eps is None:
        return None
    return Ramp(
        eps=config.certified_eps,
        warmup=config.certified_warmup,
        ramp=config.certified_ramp,
        kappa=config.certified_kappa,
        beta=config.certified_beta,
    )


def _certified_step(optimizer: Optimizer[Any], config: TrainConfig, *, eps: float, kappa: float, beta: float) -> Any:
    """A step function like ``optimizer.step_measured`` whose gradient is that of the certified loss."""

    def step(
        network: Network[Any, Any], state: Any, images: Any, labels: Any, *, mode: Mode, max_norm: float | None
    ) -> tuple[Network[Any, Any], Any, float, float]:
        loss, grads = certified_loss_and_gradients(
            network, images, labels, eps=eps, kappa=kappa, method=config.certified_method, beta=beta, mode=mode
        )
        norm = global_norm(grads)
        if max_norm is not None and math.isfinite(loss.total) and norm > max_norm:
            grads = map_unchecked(lambda g: g * (max_norm / norm), grads)
        new_network, new_state = optimizer.apply(grads, state, network)
        return new_network, new_state, loss.total, norm

    return step


def _verified(config: TrainConfig, network: Network[Any, Any], data: Dataset | None) -> float | None:
    """The fraction of ``data`` interval bounds prove robust at ``certified_eps`` (None if not certified)."""
    if config.certified_eps is None or data is None:
        return None
    return float(interval_verified(network, data.images, data.labels, eps=config.certified_eps).mean())


def _check_certified(config: TrainConfig, network: Network[Any, Any]) -> None:
    """Refuse at once (not after the warm-up) a network the certified loss cannot bound."""
    if config.certified_eps is not None:
        check_supported(network, config.certified_method)


def _start(
    config: TrainConfig, network: MnistNetwork | None, resume: SavedModel | None, log: RunLog
) -> tuple[Network[Any, Any], Any]:
    """The network and optimizer state a run starts from."""
    optimizer = build_optimizer(config)
    if resume is None:
        start = network.astype(config.dtype) if network is not None else build_network(config)
        _check_certified(config, start)
        return start, optimizer.init(start)
    start = resume.network.astype(config.dtype)
    _check_certified(config, start)
    state = resume.state
    if resume.optimizer is not None and resume.optimizer.name != optimizer.name:
        raise InvalidArgumentError(
            f"the checkpoint was trained with {resume.optimizer.name}, "
            f"the configuration asks for {optimizer.name} (--optimizer)"
        )
    if state is None:
        state = optimizer.init(start)
    else:
        state = dataclasses.replace(
            state, **{field: tree.astype(config.dtype) for field, tree in state_trees(state).items()}
        )
    log(f"resuming from {resume.metadata.get('run', 'a checkpoint')} after epoch {resume.metadata.get('epoch')}")
    return start, state


def _probe(config: TrainConfig, network: Network[Any, Any], train_set: Dataset) -> Any:
    """What "auto" threads time to choose: the gradient of one training batch (pure: nothing changes)."""
    images, labels = train_set.images[: config.batch_size], train_set.labels[: config.batch_size]
    mode = Mode.train(config.seed, 0, 0)
    return lambda: backprop(network, images, labels, mode=mode)


def _run(
    config: TrainConfig,
    files: RunFiles,
    network: MnistNetwork | None,
    data: _Data,
    log: RunLog,
    resume: SavedModel | None,
    history: list[EpochRecord],
    progress: _Progress,
) -> TrainResult:
    current, state = _start(config, network, resume, log)
    if resume is not None and history:  # the last record must describe the parameters it is saved with
        recorded = recorded_config(resume.metadata, config)
        check_resumed(
            history[-1], current, config, recorded, train=data.train, validation=data.validation, test=data.test
        )
    log(f"network {current.describe()}")
    if not history:
        initial = evaluate(current, data.test.images, data.test.labels)
        log(f"initial | test acc {initial.accuracy:.2%} | test loss {initial.loss:.4f}")

    count = len(data.train)
    train_eval = slice(0, min(config.train_eval_size, count))
    guard = _Guard(config, files.best, saved=bool(history) and files.best.exists())
    final = None
    progress.started = True
    for epoch in range(len(history) + 1, config.epochs + 1):
        optimizer = build_optimizer(config, learning_rate_at(config, epoch))
        start = time.perf_counter()  # the choice of threads (its timed probe) counts as training time
        threads = choose_threads(config.threads, probe=_probe(config, current, data.train))
        with threads.limits():
            current, state, losses = _epoch(config, epoch, optimizer, current, state, data.train, guard, log)
            train_seconds = time.perf_counter() - start
            start = time.perf_counter()
            train_accuracy = evaluate(current, data.train.images[train_eval], data.train.labels[train_eval]).accuracy
            validation = evaluate(current, data.validation.images, data.validation.labels) if data.validation else None
            final = evaluate(current, data.test.images, data.test.labels)
            validation_verified = _verified(config, current, data.validation)
            test_verified = _verified(config, current, data.test)
        record = EpochRecord(
            epoch=epoch,
            learning_rate=optimizer.rate,
            mean_loss=float(losses.mean()),
            train_accuracy=train_accuracy,
            validation_accuracy=validation.accuracy if validation else None,
            validation_loss=validation.loss if validation else None,
            test_accuracy=final.accuracy,
            test_loss=final.loss,
            train_seconds=train_seconds,
            eval_seconds=time.perf_counter() - start,
            validation_verified=validation_verified,
            test_verified=test_verified,
            threads=threads.threads,
        )
        history.append(record)
        improved = best_record(history, config.validation_size) is record
        metadata = _metadata(config, record, history, files.name, count)
        if improved:
            save_model(files.best, current, {**metadata, "kind": "best"}, optimizer=optimizer, state=state)
            guard.saved = True
        save_model(files.last, current, {**metadata, "kind": "last"}, optimizer=optimizer, state=state)
        progress.epoch = epoch
        validation_text = f" | val acc {record.validation_accuracy:.2%}" if validation else ""
        if validation_verified is not None:
            validation_text += f" | val verified {validation_verified:.2%}"
        verified_text = f" | test verified {test_verified:.2%}" if test_verified is not None else ""
        log(
            f"epoch {epoch}/{config.epochs} | {train_seconds:.2f} s | threads {threads.threads} | "
            f"mean loss {record.mean_loss:.4f} | "
            f"train acc {train_accuracy:.2%}{validation_text} | test acc {final.accuracy:.2%}{verified_text}"
            + (f" | best, saved {files.best}" if improved else "")
        )
    assert final is not None  # train() refuses a checkpoint with no epoch left to run
    best = best_record(history, config.validation_size)
    chosen = "last epoch"
    if best.validation_accuracy is not None:
        chosen = "validation verified" if best.validation_verified is not None else "validation"
    log(
        f"done | {sum(r.train_seconds for r in history):.1f} s of training | final test acc {final.accuracy:.2%} | "
        f"best epoch {best.epoch} (by {chosen}): test acc {best.test_accuracy:.2%}"
    )
    return TrainResult(
        network=current,
        history=tuple(history),
        best_path=files.best,
        last_path=files.last,
        log_path=log.path,
        final=final,
        validation_size=config.validation_size if data.validation else 0,
    )
