"""The training loop alone: no files, any objective, callbacks see every step and may stop it; resumable exactly."""

from typing import Any

import numpy as np
import pytest

from verified_nn.data import Dataset
from verified_nn.network import mlp
from verified_nn.optimizer import Momentum
from verified_nn.training import BatchEnd, Callback, EpochEnd, LoopData, LoopSettings, Plain, Schedule, fit

RNG = np.random.default_rng(3)
LABELS = RNG.integers(0, 2, size=100)
DATA = Dataset(np.eye(2)[LABELS] * 3 + RNG.normal(size=(100, 2)), LABELS, name="two")


class Recorder(Callback):
    def __init__(self, stop_at: int | None = None) -> None:
        self.events: list[Any] = []
        self.stop_at = stop_at

    def on_train_begin(self, first_epoch: int, epochs: int, batches: int, batch_size: int) -> None:
        self.events.append(("begin", first_epoch, epochs, batches, batch_size))

    def on_batch_end(self, step: BatchEnd) -> None:
        self.events.append(("batch", step.epoch, step.batch, step.examples, step.change is not None))

    def on_epoch_end(self, end: EpochEnd) -> str | None:
        self.events.append(("epoch", end.record.epoch))
        return "enough" if end.record.epoch == self.stop_at else None

    def on_train_end(self) -> None:
        self.events.append(("end",))


def _run(
    epochs: int, callbacks: list[Callback], history: tuple[Any, ...] = (), network: Any = None, state: Any = None
) -> Any:
    network = network if network is not None else mlp((2, 4, 2), rng=np.random.default_rng(0))
    optimizer = Momentum(learning_rate=0.1)
    return fit(
        network,
        state if state is not None else optimizer.init(network),
        optimizer,
        data=LoopData(train=DATA, test=DATA),
        settings=LoopSettings(epochs=epochs, batch_size=32, seed=0, log_every=2, train_eval_size=50),
        schedule=Schedule(0.1, "cosine", epochs, 4),
        objective=Plain(),
        callbacks=callbacks,
        history=history,
    )


def test_callbacks_see_the_start_every_batch_every_epoch_and_the_end() -> None:
    recorder = Recorder()
    fitted = _run(2, [recorder])
    assert recorder.events[0] == ("begin", 1, 2, 4, 32) and recorder.events[-1] == ("end",)
    batches = [event for event in recorder.events if event[0] == "batch"]
    assert [event[3] for event in batches[:4]] == [32, 32, 32, 4]  # the last batch holds the rest
    assert [event[4] for event in batches[:4]] == [False, True, False, True]  # the change every 2nd batch
    assert [event for event in recorder.events if event[0] == "epoch"] == [("epoch", 1), ("epoch", 2)]
    assert fitted.stopped is None and len(fitted.history) == 2 and fitted.test is not None
    assert np.isnan(fitted.history[0].validation_accuracy or np.nan)  # no validation set: not measured


def test_a_callback_stops_the_loop_saying_why_and_the_end_still_runs() -> None:
    recorder = Recorder(stop_at=2)
    fitted = _run(5, [recorder])
    assert fitted.stopped == "enough" and len(fitted.history) == 2 and recorder.events[-1] == ("end",)


def test_a_failing_step_still_ends_the_callbacks() -> None:
    class Boom(Callback):
        def on_batch_end(self, step: BatchEnd) -> None:
            raise RuntimeError("boom")

    recorder = Recorder()
    with pytest.raises(RuntimeError, match="boom"):
        _run(2, [recorder, Boom()])
    assert recorder.events[-1] == ("end",)


def test_a_resumed_loop_repeats_the_unbroken_one_bit_for_bit() -> None:
    whole = _run(3, [])
    first = _run(3, [Recorder(stop_at=1)])  # stopped after epoch 1 of 3: the schedule is that of 3 epochs
    rest = _run(3, [], history=first.history, network=first.network, state=first.state)
    assert [r.epoch for r in rest.history] == [1, 2, 3]
    assert [r.mean_loss for r in rest.history] == [r.mean_loss for r in whole.history]
    for mine, theirs in zip(rest.network.parameters(), whole.network.parameters(), strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_auto_threads_are_chosen_each_epoch_given_the_last_epoch_s_choice_and_recorded_with_their_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from verified_nn.core import ThreadChoice
    from verified_nn.training import _loop

    seen: list[ThreadChoice | None] = []

    def choose(setting: object, *, probe: Any, previous: ThreadChoice | None = None) -> ThreadChoice:
        seen.append(previous)
        probe()  # the probe is a pure gradient: calling it changes nothing
        return ThreadChoice(1, f"auto: choice {len(seen)}")

    monkeypatch.setattr(_loop, "choose_threads", choose)

    def run(threads: Any) -> Any:
        network = mlp((2, 4, 2), rng=np.random.default_rng(0))
        optimizer = Momentum(learning_rate=0.1)
        return fit(
            network,
            optimizer.init(network),
            optimizer,
            data=LoopData(train=DATA),
            settings=LoopSettings(epochs=3, batch_size=32, seed=0, threads=threads),
            schedule=Schedule(0.1, "cosine", 3, 4),
            objective=Plain(),
        )

    fitted = run("auto")
    assert [choice.reason if choice else None for choice in seen] == [None, "auto: choice 1", "auto: choice 2"]
    assert [(r.threads, r.thread_reason) for r in fitted.history] == [(1, f"auto: choice {n}") for n in (1, 2, 3)]
    untouched = run(None)  # no thread policy, no probe: the same steps
    assert len(seen) == 3 and [(r.threads, r.thread_reason) for r in untouched.history] == [(None, None)] * 3
    assert [r.mean_loss for r in fitted.history] == [r.mean_loss for r in untouched.history]
