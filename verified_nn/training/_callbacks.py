"""Hooks into the training loop (Keras' callbacks): progress, divergence, early stopping, diagnostic lines.

The loop calls every callback at the start, after every batch, after every epoch (where one may ask
the loop to stop, saying why) and at the end, even when the run fails. A callback sees what the loop
did; it changes nothing in the loop but whether it goes on.
"""

import dataclasses
import math
from collections.abc import Callable
from typing import Any

from tqdm import tqdm

from verified_nn.core import InvalidArgumentError
from verified_nn.network import Network
from verified_nn.optimizer import Optimizer

from ._errors import TrainingError
from ._evaluate import Evaluation
from ._history import EpochRecord


@dataclasses.dataclass(slots=True)
class BatchEnd:
    """One step of the loop, as the callbacks see it."""

    epoch: int  # 1-based
    batch: int  # 0-based within the epoch
    batches: int  # steps in the epoch
    examples: int  # in this batch
    loss: float  # the batch's loss before the step
    norm: float  # the gradient's global norm (before clipping)
    rate: float  # the learning rate of the step
    change: float | None  # the parameters' change (global norm); measured on diagnostic batches only
    note: str  # what the objective adds to a diagnostic line ("" for plain training)


@dataclasses.dataclass(frozen=True)
class EpochEnd:
    """An epoch just finished: its record, the run so far, and the parameters after it."""

    record: EpochRecord
    history: tuple[EpochRecord, ...]  # every epoch so far, this one last
    network: Network[Any, Any]
    optimizer: Optimizer[Any]  # at the rate of the epoch's last step
    state: Any  # the optimizer's state
    test: Evaluation | None  # the test set's evaluation after this epoch


class Callback:
    """A hook into the loop: override what you need; ``on_epoch_end`` returns a reason to stop, or None."""

    def on_train_begin(self, first_epoch: int, epochs: int, batches: int, batch_size: int) -> None:
        pass

    def on_batch_end(self, step: BatchEnd) -> None:
        pass

    def on_epoch_end(self, end: EpochEnd) -> str | None:
        return None

    def on_train_end(self) -> None:
        pass


class EarlyStopping(Callback):
    """Stop when the validation score (accuracy, or the verified fraction of a certified run) has not
    improved for ``patience`` epochs."""

    def __init__(self, patience: int) -> None:
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise InvalidArgumentError(f"patience must be an integer >= 1, got {patience!r}")
        self.patience = patience
        self.best: EpochRecord | None = None

    def on_epoch_end(self, end: EpochEnd) -> str | None:
        score = end.record.score
        if score is None:
            raise InvalidArgumentError("early stopping (patience) needs a validation split (validation_size > 0)")
        if self.best is None or self.best.score is None or score > self.best.score:
            self.best = end.record
        waited = end.record.epoch - self.best.epoch
        if waited < self.patience:
            return None
        return (
            f"early stop: no better validation score in {self.patience} epochs "
            f"(best {self.best.score:.2%} at epoch {self.best.epoch})"
        )


class Progress(Callback):
    """A progress bar over the whole run with throughput and time left (tqdm); off when not a terminal."""

    def __init__(self) -> None:
        self.bar: tqdm[Any] | None = None
        self.epochs = 0

    def on_train_begin(self, first_epoch: int, epochs: int, batches: int, batch_size: int) -> None:
        total = (epochs - first_epoch + 1) * batches
        self.epochs = epochs
        self.bar = tqdm(total=total, unit="batch", leave=False, disable=None, dynamic_ncols=True)

    def on_batch_end(self, step: BatchEnd) -> None:
        if self.bar is not None:
            if step.batch == 0:
                self.bar.set_description(f"epoch {step.epoch}/{self.epochs}", refresh=False)
            self.bar.update()

    def on_train_end(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class Diagnostics(Callback):
    """One line per diagnostic batch: loss, gradient norm, parameter change, learning rate."""

    def __init__(self, log: Callable[[str], None], epochs: int) -> None:
        self.log = log
        self.epochs = epochs

    def on_batch_end(self, step: BatchEnd) -> None:
        if step.change is not None:
            self.log(
                f"epoch {step.epoch}/{self.epochs} | batch {step.batch + 1}/{step.batches} | loss {step.loss:.4f} | "
                f"grad-norm {step.norm:.4f} | param-change {step.change:.4f} | lr {step.rate:.4g}{step.note}"
            )


class Guard(Callback):
    """Stop a run whose loss is not finite or too large, or whose gradient norm explodes, saying what to do.

    ``kept()`` says where the best model so far is (or that none was saved) for the message.
    """

    def __init__(self, *, max_loss: float, max_grad_norm: float, clipping: bool, kept: Callable[[], str]) -> None:
        self.max_loss = max_loss
        self.max_grad_norm = max_grad_norm
        self.clipping = clipping  # clipped gradients may be large: only their finiteness is checked
        self.kept = kept

    def on_batch_end(self, step: BatchEnd) -> None:
        self.check(step.epoch, step.batch + 1, step.loss, step.norm, step.rate)

    def check(self, epoch: int, batch: int, loss: float, norm: float | None, rate: float) -> None:
        problem = None
        if not math.isfinite(loss):
            problem = f"the loss is {loss}"
        elif loss > self.max_loss:
            problem = f"the loss {loss:.3g} exceeds {self.max_loss:g}"
        elif norm is not None and not math.isfinite(norm):
            problem = f"the gradient norm is {norm}"
        elif norm is not None and not self.clipping and norm > self.max_grad_norm:
            problem = f"the gradient norm {norm:.3g} exceeds {self.max_grad_norm:g}"
        if problem is None:
            return
        raise TrainingError(
            f"epoch {epoch}, batch {batch}: {problem}: training diverged at learning rate {rate:g}; "
            f"lower it (--lr {rate / 10:g}); {self.kept()}"
        )
