"""Mini-batch training with diagnostics, guarding, checkpoints every epoch, and resuming."""

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
from verified_nn.core import RELU, leaky_relu_activation
from verified_nn.data import Dataset, load
from verified_nn.network import MLP, global_norm, he_init, loss_and_gradients, map_parameters
from verified_nn.optimizer import SGD, Momentum, MomentumState, Optimizer, clip_by_global_norm

from ._config import TrainConfig
from ._errors import TrainingError
from ._evaluate import Evaluation, evaluate
from ._log import RunLog
from ._models import SavedModel, save_model
from ._schedule import learning_rate_at


@dataclasses.dataclass(frozen=True)
class EpochRecord:
    """What one epoch did."""

    epoch: int  # 1-based
    learning_rate: float  # the rate used throughout the epoch
    mean_loss: float  # mean training loss over the epoch's batches
    train_accuracy: float  # on the first train_eval_size training examples, after the epoch
    test_accuracy: float  # on the whole (configured) test split, after the epoch
    test_loss: float  # mean cross-entropy on the test split
    train_seconds: float  # time spent in gradient steps
    eval_seconds: float  # time spent evaluating


@dataclasses.dataclass(frozen=True)
class TrainResult:
    """The outcome of a run."""

    mlp: MLP  # the parameters after the last epoch
    history: tuple[EpochRecord, ...]  # one record per completed epoch, including resumed ones
    best_path: Path  # the checkpoint of the highest test accuracy
    last_path: Path  # the checkpoint after the last completed epoch (resumable)
    log_path: Path  # the run's log file
    final: Evaluation  # the last epoch's test evaluation

    @property
    def best(self) -> EpochRecord:
        return max(self.history, key=lambda record: record.test_accuracy)

    @property
    def train_seconds(self) -> float:
        return sum(record.train_seconds for record in self.history)


def _activation(name: str) -> Any:
    return RELU if name == "relu" else leaky_relu_activation()


def _optimizer(config: TrainConfig, rate: float) -> Optimizer[Any]:
    if config.momentum > 0:
        return Momentum(learning_rate=rate, momentum=config.momentum)
    return SGD(learning_rate=rate)


def _metadata(
    config: TrainConfig, record: EpochRecord, history: list[EpochRecord], run: str, size: int
) -> dict[str, Any]:
    return {
        "run": run,
        "epoch": record.epoch,
        "train_accuracy": f"{record.train_accuracy:.6f}",
        "test_accuracy": f"{record.test_accuracy:.6f}",
        "loss": f"{record.mean_loss:.6f}",
        "learning_rate": f"{record.learning_rate:.6g}",
        "dataset": config.dataset,
        "train_size": size,
        "seed": config.seed,
        "version": verified_nn.__version__,
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": config.to_json(),
        "history": json.dumps([dataclasses.asdict(h) for h in history]),
    }


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
            f"lower it (--lr {rate / 10:g}) or clip gradients (--clip-norm 5); {kept}"
        )


def train(
    config: TrainConfig,
    *,
    data_dir: str | Path | None = None,
    out_dir: str | Path = "models",
    log_dir: str | Path = "logs",
    name: str | None = None,
    resume: SavedModel | None = None,
    echo: bool = True,
) -> TrainResult:
    """Train the MLP as ``config`` says; write a log, a best and a last checkpoint; return the result.

    With ``resume`` (a checkpoint written by a previous run), training continues after its last
    completed epoch with its parameters, optimizer state and history.
    """
    run = name or (resume.metadata.get("run") if resume else None) or datetime.now().strftime("run-%Y%m%d-%H%M%S")
    best_path, last_path = (
        Path(out_dir) / f"{run}-best.safetensors",
        Path(out_dir) / f"{run}-last.safetensors",
    )
    log = RunLog(Path(log_dir) / f"{run}.log", echo=echo)
    try:
        log(f"run {run} | verified-nn {verified_nn.__version__} | config {config.to_json()}")
        train_set = load(
            config.dataset,
            "train",
            directory=data_dir,
            size=config.train_size,
            dtype=config.dtype,
            report=log,
        )
        test_set = load(
            config.dataset, "test", directory=data_dir, size=config.test_size, dtype=config.dtype, report=log
        )
        return _run(config, run, train_set, test_set, best_path, last_path, log, resume)
    finally:
        log.close()


def _logged_step(
    config: TrainConfig, optimizer: Optimizer[Any], mlp: MLP, state: Any, images: Any, labels: Any
) -> tuple[MLP, Any, float, float, float]:
    """A step that also measures: returns new parameters and state, loss, gradient norm, change."""
    loss, grads = loss_and_gradients(mlp, images, labels)
    norm = global_norm(grads)
    if math.isfinite(loss) and config.clip_norm is not None:
        grads, _ = clip_by_global_norm(grads, max_norm=config.clip_norm)
    new_mlp, state = optimizer.update(grads, state, mlp)
    change = global_norm(map_parameters(np.subtract, new_mlp, mlp))
    return new_mlp, state, loss, norm, change


def _epoch(
    config: TrainConfig,
    epoch: int,
    rate: float,
    mlp: MLP,
    state: Any,
    train_set: Dataset,
    guard: _Guard,
    log: RunLog,
) -> tuple[MLP, Any, np.ndarray[Any, Any]]:
    """One epoch of mini-batch steps over a seeded draw of the training set; returns the batch losses."""
    count = len(train_set)
    per_epoch = min(config.samples_per_epoch or count, count)
    batches = -(-per_epoch // config.batch_size)
    optimizer = _optimizer(config, rate)
    order = np.random.default_rng([config.seed, epoch]).permutation(count)[:per_epoch]  # indices only
    losses = np.empty(batches)
    with tqdm(total=batches, desc=f"epoch {epoch}/{config.epochs}", leave=False, disable=None) as bar:
        for batch in range(batches):
            chosen = order[batch * config.batch_size : (batch + 1) * config.batch_size]
            images, labels = train_set.images[chosen], train_set.labels[chosen]  # one batch copied
            if (batch + 1) % config.log_every == 0 or config.clip_norm is not None:
                mlp, state, loss, norm, change = _logged_step(config, optimizer, mlp, state, images, labels)
                guard.check(epoch, batch + 1, loss, norm, rate)
                if (batch + 1) % config.log_every == 0:
                    log(
                        f"epoch {epoch}/{config.epochs} | batch {batch + 1}/{batches} | loss {loss:.4f} | "
                        f"grad-norm {norm:.4f} | param-change {change:.4f} | lr {rate:.4g}"
                    )
            else:
                mlp, state, loss = optimizer.step(mlp, state, images, labels)
                guard.check(epoch, batch + 1, loss, None, rate)
            losses[batch] = loss
            bar.update()
    return mlp, state, losses


def _run(
    config: TrainConfig,
    run: str,
    train_set: Dataset,
    test_set: Dataset,
    best_path: Path,
    last_path: Path,
    log: RunLog,
    resume: SavedModel | None,
) -> TrainResult:
    history: list[EpochRecord] = []
    if resume is not None:
        mlp = resume.mlp.astype(config.dtype)
        history = [EpochRecord(**record) for record in json.loads(resume.metadata.get("history", "[]"))]
        state: Any = (
            MomentumState(resume.velocity.astype(config.dtype)) if resume.velocity and config.momentum > 0 else None
        )
        log(f"resuming after epoch {len(history)} from {resume.metadata.get('run', '?')}")
    else:
        mlp = he_init(np.random.default_rng(config.seed), dtype=config.dtype, activation=_activation(config.activation))
        state = None
    if state is None:
        state = _optimizer(config, config.learning_rate).init(mlp)
    if not history:
        initial = evaluate(mlp, test_set.images, test_set.labels)
        log(f"initial | test acc {initial.accuracy:.2%} | test loss {initial.loss:.4f}")

    count = len(train_set)
    train_eval = slice(0, min(config.train_eval_size, count))
    guard = _Guard(config, best_path, saved=bool(history) and best_path.exists())
    final = None
    for epoch in range(len(history) + 1, config.epochs + 1):
        rate = learning_rate_at(config, epoch)
        start = time.perf_counter()
        mlp, state, losses = _epoch(config, epoch, rate, mlp, state, train_set, guard, log)
        train_seconds = time.perf_counter() - start
        start = time.perf_counter()
        train_accuracy = evaluate(mlp, train_set.images[train_eval], train_set.labels[train_eval]).accuracy
        final = evaluate(mlp, test_set.images, test_set.labels)
        record = EpochRecord(
            epoch=epoch,
            learning_rate=rate,
            mean_loss=float(losses.mean()),
            train_accuracy=train_accuracy,
            test_accuracy=final.accuracy,
            test_loss=final.loss,
            train_seconds=train_seconds,
            eval_seconds=time.perf_counter() - start,
        )
        improved = all(record.test_accuracy > earlier.test_accuracy for earlier in history)
        history.append(record)
        velocity = state.velocity if isinstance(state, MomentumState) else None
        metadata = _metadata(config, record, history, run, count)
        if improved:
            save_model(best_path, mlp, {**metadata, "kind": "best"}, velocity=velocity)
            guard.saved = True
        save_model(last_path, mlp, {**metadata, "kind": "last"}, velocity=velocity)
        log(
            f"epoch {epoch}/{config.epochs} | {train_seconds:.2f} s | mean loss {record.mean_loss:.4f} | "
            f"train acc {train_accuracy:.2%} | test acc {final.accuracy:.2%}"
            + (f" | best, saved {best_path}" if improved else "")
        )
    if final is None:
        final = evaluate(mlp, test_set.images, test_set.labels)
    best = max(history, key=lambda record: record.test_accuracy)
    log(
        f"done | {sum(r.train_seconds for r in history):.1f} s of training | "
        f"final test acc {final.accuracy:.2%} | best test acc {best.test_accuracy:.2%} at epoch {best.epoch}"
    )
    return TrainResult(
        mlp=mlp,
        history=tuple(history),
        best_path=best_path,
        last_path=last_path,
        log_path=log.path,
        final=final,
    )
