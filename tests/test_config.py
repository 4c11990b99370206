"""Training configuration: defaults, presets, overrides, validation, unknown keys, JSON round trip."""

import dataclasses

import pytest

from verified_nn.core import InvalidArgumentError
from verified_nn.training import DEFAULT_LEARNING_RATES, PRESETS, Schedule, TrainConfig, preset


def test_presets_match_the_lean_project_where_it_set_them() -> None:
    medium = preset("medium")
    assert (medium.train_size, medium.test_size, medium.epochs, medium.batch_size, medium.learning_rate) == (
        5_000,
        1_000,
        10,
        64,
        0.01,
    )
    assert medium.optimizer == "sgd" and medium.hidden == (128,) and medium.activation == "relu"
    full = preset("full")
    assert (full.train_size, full.epochs, full.samples_per_epoch, full.test_size) == (None, 50, 12_000, None)


def test_any_option_overrides_a_preset() -> None:
    assert preset("medium", epochs=3).epochs == 3
    assert preset("best", learning_rate=0.2).learning_rate == 0.2


def test_without_a_given_rate_the_optimizer_chooses_its_default() -> None:
    assert preset(None).learning_rate == 0.05 == TrainConfig().learning_rate
    assert preset(None, optimizer="adamw").learning_rate == 1e-3 == preset(None, optimizer="adam").learning_rate
    assert preset(None, optimizer="sgd").learning_rate == 0.05
    assert preset(None, optimizer="adamw", learning_rate=0.003).learning_rate == 0.003
    assert set(DEFAULT_LEARNING_RATES) == {"sgd", "momentum", "nesterov", "adam", "adamw"}


def test_every_preset_keeps_its_own_rate_whatever_the_optimizer() -> None:
    for name, values in PRESETS.items():
        assert "learning_rate" in values, name
        assert preset(name, optimizer="adamw").learning_rate == values["learning_rate"]


def test_every_field_has_a_default_and_the_config_is_frozen() -> None:
    config = TrainConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.epochs = 2  # type: ignore[misc]


def test_json_round_trip_and_unknown_keys_are_refused() -> None:
    config = preset("full", seed=7)
    assert TrainConfig.from_json(config.to_json()) == config
    with pytest.raises(InvalidArgumentError, match="unknown configuration keys: epoch, lr"):
        TrainConfig.from_dict({"lr": 0.1, "epoch": 3})
    with pytest.raises(InvalidArgumentError, match="unknown preset 'huge'; known: medium, full, best"):
        preset("huge")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("epochs", 0, "epochs must be >= 1 or unset, got 0"),
        ("learning_rate", -1.0, "learning_rate must be > 0"),
        ("momentum", 1.0, r"momentum must lie in \[0, 1\)"),
        ("dataset", "", "dataset: a dataset name must be 1 to 100 printable characters"),
        ("train_size", 0, "train_size must be >= 1 or unset"),
        ("lr_schedule", "linear", "lr_schedule must be one of constant, cosine, step"),
        ("clip_norm", 0.0, "clip_norm must be > 0"),
        ("dtype", "float16", "dtype must be float32 or float64"),
        ("hidden", (128, 0), r"hidden must be a list of widths >= 1, got \(128, 0\)"),
        ("activation", "swish", "activation: unknown activation 'swish'"),
        ("dropout", 1.0, r"dropout must lie in \[0, 1\), got 1.0"),
        ("optimizer", "rmsprop", "optimizer must be one of sgd, momentum, nesterov, adam, adamw, got 'rmsprop'"),
        ("weight_decay", -0.1, "weight_decay must be >= 0"),
        ("beta2", 1.0, r"beta2 must lie in \[0, 1\), got 1.0"),
        ("threads", 0, "threads must be a whole number >= 1 or 'auto', got 0"),
        ("threads", "all", "threads must be a whole number or 'auto', got 'all'"),
        ("seed", -5, "seed must be >= 0, got -5"),
        ("validation_size", -1, "validation_size must be >= 0"),
    ],
)
def test_invalid_values_are_refused_at_once(field: str, value: object, message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        TrainConfig(**{field: value})  # type: ignore[arg-type]


def test_schedules() -> None:
    config = TrainConfig(epochs=4, learning_rate=0.1, lr_schedule="cosine")
    rates = [Schedule.of(config, 10).rate(e, 0) for e in range(1, 5)]
    assert rates[0] == pytest.approx(0.1) and rates == sorted(rates, reverse=True) and rates[-1] > 0
    step = Schedule.of(dataclasses.replace(config, lr_schedule="step"), 10)
    assert [step.rate(e, 9) for e in range(1, 5)] == pytest.approx([0.1, 0.1, 0.01, 0.001])
    assert Schedule.of(dataclasses.replace(config, lr_schedule="constant"), 10).rate(4, 3) == 0.1
    assert {"medium", "full", "best"} <= set(PRESETS)


@pytest.mark.parametrize("kind", ["constant", "cosine", "step"])
def test_every_schedule_warms_up_linearly_step_by_step_then_follows_itself(kind: str) -> None:
    config = TrainConfig(epochs=4, learning_rate=0.1, lr_schedule=kind, warmup=1.5)
    warm, cold = Schedule.of(config, 10), Schedule.of(dataclasses.replace(config, warmup=0.0), 10)
    steps = [(epoch, batch) for epoch in range(1, 5) for batch in range(10)]
    for number, (epoch, batch) in enumerate(steps, start=1):
        expected = cold.rate(epoch, batch) * min(1.0, number / 15)  # 1.5 epochs of 10 steps
        assert warm.rate(epoch, batch) == pytest.approx(expected, rel=1e-12)
    assert warm.rate(1, 0) == pytest.approx(cold.rate(1, 0) / 15) and warm.rate(2, 4) == cold.rate(2, 4)
    with pytest.raises(InvalidArgumentError, match=r"warmup 5 is longer than the 4 epochs"):
        TrainConfig(epochs=4, warmup=5.0)


def test_data_dependent_defaults_resolve_from_the_training_set_size() -> None:
    mnist = TrainConfig().resolved(60_000)
    assert (mnist.epochs, mnist.validation_size, mnist.dropout) == (8, 5_000, 0.0)  # MNIST's defaults, unchanged
    digits = TrainConfig().resolved(1_347)
    assert (digits.validation_size, digits.epochs) == (0, 100)  # a twelfth would be too few; 100 epochs at most
    assert TrainConfig(patience=3).resolved(1_347).validation_size == 112  # early stopping needs one
    assert digits.dropout == 0.2 and TrainConfig().resolved(12_000).dropout == 0.0  # small data: no epoch chosen
    assert TrainConfig(dropout=0.05).resolved(100).dropout == 0.05
    assert TrainConfig(certified_eps=0.1, epochs=8).resolved(100).dropout == 0.0  # never with certified training
    table = TrainConfig().resolved(20_000)
    assert (table.validation_size, table.epochs) == (1_666, 24)  # 440,000 examples / 18,334 per epoch, rounded up
    given = TrainConfig(epochs=3, validation_size=0).resolved(1_000)
    assert (given.epochs, given.validation_size) == (3, 0)


def test_hidden_widths_round_trip_through_json_as_a_tuple() -> None:
    config = TrainConfig(hidden=[256, 64])  # type: ignore[arg-type]
    assert config.hidden == (256, 64) and config.architecture(784, 10) == "784-256-64-10"
    assert TrainConfig.from_json(config.to_json()) == config
