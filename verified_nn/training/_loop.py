"""The training loop: epochs of seeded mini-batches, one objective, one optimizer, callbacks around it.

Nothing here knows files, data formats or the command line; the trainer and the scikit-learn estimator
both run it. Every random choice is a function of the seed and the position (epoch, batch), so a run
resumed after epoch ``k`` repeats an unbroken one bit for bit (on a fixed number of BLAS threads: with
``threads="auto"`` each epoch's count is chosen afresh, :func:`verified_nn.core.choose_threads`, and
recorded, and the last digits may differ with it).
"""

import contextlib
import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from verified_nn.core import ThreadChoice, Threads, choose_threads
from verified_nn.data import Dataset
from verified_nn.layers import Mode
from verified_nn.network import Network, backprop, global_norm, map_unchecked
from verified_nn.optimizer import Optimizer

from ._augment import shift_images
from ._callbacks import BatchEnd, Callback, EpochEnd
from ._evaluate import Evaluation, network_input, score
from ._history import EpochRecord
from ._objectives import Objective
from ._schedule import Schedule


@dataclasses.dataclass(frozen=True)
class LoopData:
    """The examples of a run: trained on, held out to choose and stop, and reported."""

    train: Dataset
    validation: Dataset | None = None
    test: Dataset | None = None


@dataclasses.dataclass(frozen=True)
class LoopSettings:
    """How the loop draws its batches and what it measures."""

    epochs: int  # the last epoch to run (1-based)
    batch_size: int  # examples per step
    seed: int  # seeds the order of each epoch, dropout and shifts
    samples_per_epoch: int | None = None  # examples drawn (without replacement) per epoch; None: all
    clip_norm: float | None = None  # clip each gradient to this global norm
    log_every: int | None = None  # measure the parameters' change every this many batches (None: never)
    shift: int = 0  # move each training image by up to this many pixels
    train_eval_size: int = 0  # training examples whose accuracy is measured each epoch (0: none)
    threads: Threads | None = None  # BLAS threads: a count, "auto" (chosen per epoch), None: as the caller set them


@dataclasses.dataclass(frozen=True)
class Fitted:
    """What the loop ends with."""

    network: Network[Any, Any]
    state: Any  # the optimizer's state
    history: tuple[EpochRecord, ...]  # every epoch, including those of a resumed run
    test: Evaluation | None  # the test set after the last epoch
    stopped: str | None  # why a callback stopped the run early (None: it ran every epoch)


def batches_per_epoch(data: Dataset, settings: LoopSettings) -> int:
    per_epoch = min(settings.samples_per_epoch or len(data), len(data))
    return -(-per_epoch // settings.batch_size)


def _probe(network: Network[Any, Any], train: Dataset, settings: LoopSettings) -> Callable[[], object]:
    """What "auto" threads time to choose: the gradient of one training batch (pure: nothing changes)."""
    rows = slice(0, min(settings.batch_size, len(train)))
    inputs = network_input(network, train.take(rows, dtype=network.dtype))
    labels, mode = train.labels[rows], Mode.train(settings.seed, 0, 0)
    return lambda: backprop(network, inputs, labels, mode=mode)


def _threads(
    network: Network[Any, Any], train: Dataset, settings: LoopSettings, previous: ThreadChoice | None
) -> ThreadChoice | None:
    """The BLAS threads of the next epoch, given the last epoch's (None: leave them as they are)."""
    if settings.threads is None:
        return None
    return choose_threads(settings.threads, probe=_probe(network, train, settings), previous=previous)


def _epoch(
    network: Network[Any, Any],
    state: Any,
    optimizer: Optimizer[Any],
    epoch: int,
    train: Dataset,
    schedule: Schedule,
    objective: Objective,
    settings: LoopSettings,
    callbacks: Sequence[Callback],
) -> tuple[Network[Any, Any], Any, Optimizer[Any], np.ndarray[Any, Any]]:
    """One epoch of steps over a seeded draw of ``train``; returns the batch losses too."""
    count, size = len(train), settings.batch_size
    batches = batches_per_epoch(train, settings)
    per_epoch = min(settings.samples_per_epoch or count, count)
    order = np.random.default_rng([settings.seed, epoch]).permutation(count)[:per_epoch]  # indices only
    losses = np.empty(batches)
    shape, dtype, every = network.input_shape(), network.dtype, settings.log_every
    for batch in range(batches):
        chosen = order[batch * size : (batch + 1) * size]
        inputs = train.take(chosen, dtype=dtype)  # one batch copied
        if settings.shift:
            inputs = shift_images(inputs, settings.shift, np.random.default_rng([settings.seed, epoch, batch, 1]))
        if shape is not None and inputs.shape[1:] != shape:
            inputs = network_input(network, inputs)
        rate = schedule.rate(epoch, batch)
        if rate != optimizer.rate:
            optimizer = optimizer.with_rate(rate)  # the same optimizer; its state is kept
        progress = epoch - 1 + batch / batches
        logged = every is not None and (batch + 1) % every == 0
        before = network
        network, state, loss, norm = objective.step(
            optimizer,
            network,
            state,
            inputs,
            train.labels[chosen],
            mode=Mode.train(settings.seed, epoch, batch),  # dropout's mask: the same for a resumed run
            max_norm=settings.clip_norm,
            progress=progress,
        )
        change = global_norm(map_unchecked(np.subtract, network, before)) if logged else None
        losses[batch] = loss
        step = BatchEnd(
            epoch, batch, batches, len(chosen), loss, norm, rate, change, objective.note(progress) if logged else ""
        )
        for callback in callbacks:
            callback.on_batch_end(step)
    return network, state, optimizer, losses


def fit(
    network: Network[Any, Any],
    state: Any,
    optimizer: Optimizer[Any],
    *,
    data: LoopData,
    settings: LoopSettings,
    schedule: Schedule,
    objective: Objective,
    callbacks: Sequence[Callback] = (),
    history: Sequence[EpochRecord] = (),
) -> Fitted:
    """Run epochs ``len(history) + 1`` to ``settings.epochs`` from ``network`` and the optimizer's ``state``.

    After each epoch: the training accuracy on the first ``train_eval_size`` examples, the validation and test
    sets' accuracy and loss, the objective's verified fractions, then the callbacks, any of which may stop
    the run. The callbacks' ``on_train_end`` runs however the loop ends.
    """
    records = list(history)
    test, threads = None, None
    batches = batches_per_epoch(data.train, settings)
    for callback in callbacks:
        callback.on_train_begin(len(records) + 1, settings.epochs, batches, settings.batch_size)
    try:
        for epoch in range(len(records) + 1, settings.epochs + 1):
            start = time.perf_counter()  # the choice of threads (its timed probe) counts as training time
            threads = _threads(network, data.train, settings, threads)
            with threads.limits() if threads is not None else contextlib.nullcontext():
                network, state, optimizer, losses = _epoch(
                    network, state, optimizer, epoch, data.train, schedule, objective, settings, callbacks
                )
                train_seconds = time.perf_counter() - start
                start = time.perf_counter()
                limit = settings.train_eval_size
                trained = score(network, data.train, limit=limit) if limit else None
                validation = score(network, data.validation) if data.validation is not None else None
                test = score(network, data.test) if data.test is not None else None
                validation_verified = objective.verified(network, data.validation)
                test_verified = objective.verified(network, data.test)
            record = EpochRecord(
                epoch=epoch,
                learning_rate=optimizer.rate,
                mean_loss=float(losses.mean()),
                train_accuracy=trained.accuracy if trained is not None else math.nan,
                validation_accuracy=validation.accuracy if validation is not None else None,
                validation_loss=validation.loss if validation is not None else None,
                test_accuracy=test.accuracy if test is not None else math.nan,
                test_loss=test.loss if test is not None else math.nan,
                train_seconds=train_seconds,
                eval_seconds=0.0,
                validation_verified=validation_verified,
                test_verified=test_verified,
                threads=threads.threads if threads is not None else None,
                thread_reason=threads.reason if threads is not None else None,
            )
            record = dataclasses.replace(record, eval_seconds=time.perf_counter() - start)
            records.append(record)
            end = EpochEnd(record, tuple(records), network, optimizer, state, test)
            reasons = [reason for callback in callbacks if (reason := callback.on_epoch_end(end)) is not None]
            if reasons:
                return Fitted(network, state, tuple(records), test, reasons[0])
    finally:
        for callback in callbacks:
            callback.on_train_end()
    return Fitted(network, state, tuple(records), test, None)
