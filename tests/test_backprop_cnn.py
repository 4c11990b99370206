"""Backpropagation through convolutional networks against an independent autodiff (explicit loops over output
positions, ``tests/autodiff.py``) and against finite differences, for several shapes, strides and paddings."""

import dataclasses
from typing import Any

import numpy as np
import pytest
from autodiff import network_loss_gradients

from verified_nn.core import InvalidArgumentError, ThreadChoice, workers
from verified_nn.layers import (
    EVAL,
    AvgPool2D,
    Conv2D,
    Dense,
    Flatten,
    Layer,
    MaxPool2D,
    Mode,
    ReLU,
    Reshape,
    ShapePreserving,
    Tanh,
    _conv_pool as conv_pool,
)
from verified_nn.network import Batch, Network, _backprop as backprop_module, backprop, cnn, parameters
from verified_nn.verification import check_network_gradients


def _relative(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b)) / max(float(np.linalg.norm(b)), 1e-300)


def _spec(network: Network[Any, Any]) -> list[tuple[Any, ...]]:
    """The network as the autodiff's list of operations."""
    spec: list[tuple[Any, ...]] = []
    for layer in network.layers:
        if isinstance(layer, Reshape):
            spec.append(("reshape", layer.shape))
        elif isinstance(layer, Flatten):
            spec.append(("reshape", (-1,)))
        elif isinstance(layer, Conv2D):
            spec.append(("conv2d", layer.weights, layer.bias, layer.stride, layer.padding))
        elif isinstance(layer, MaxPool2D | AvgPool2D):
            spec.append((layer.kind, *layer.window()))
        elif isinstance(layer, Dense):
            spec.append(("dense", layer.weights, layer.bias))
        elif isinstance(layer, ReLU):
            spec.append(("relu",))
        elif isinstance(layer, Tanh):
            spec.append(("tanh",))
        else:
            raise AssertionError(f"no autodiff operation for {layer!r}")
    return spec


def _network(rng: np.random.Generator, layers: list[Layer[Any, Any]], image: tuple[int, int, int]) -> Network[Any, Any]:
    """``Reshape(image)``, the given layers, ``Flatten`` and a dense layer to 4 classes, with non-zero biases."""
    shape = Network((Reshape(image), *layers, Flatten())).output_shape()
    built: Network[Any, Any] = Network(
        (Reshape(image), *layers, Flatten(), Dense.init(4, shape[0], rng=rng, dtype=np.float64))
    )
    return built.with_parameters([block + rng.normal(0, 0.1, block.shape) for block in built.parameters()])


def _conv(
    rng: np.random.Generator, out: int, inputs: int, kernel: Any, stride: Any = 1, padding: Any = 0
) -> Conv2D[Any, Any]:
    return Conv2D.init(out, inputs, kernel=kernel, stride=stride, padding=padding, rng=rng, dtype=np.float64)


ARCHITECTURES: list[tuple[str, tuple[int, int, int], Any]] = [
    ("lenet", (1, 12, 12), lambda r: [_conv(r, 3, 1, 3, padding=1), ReLU(), MaxPool2D(2), _conv(r, 4, 3, 3), ReLU()]),
    (
        "strided",
        (2, 9, 11),
        lambda r: [_conv(r, 3, 2, (3, 2), stride=(2, 1), padding=(1, 0)), Tanh(), AvgPool2D(2, stride=1)],
    ),
    (
        "padded pools",
        (1, 7, 7),
        lambda r: [_conv(r, 2, 1, 2), Tanh(), MaxPool2D(3, stride=2, padding=1), AvgPool2D((2, 1), padding=(1, 0))],
    ),
    ("wide stride", (3, 10, 8), lambda r: [_conv(r, 2, 3, 4, stride=3, padding=2), ReLU(), _conv(r, 3, 2, 1)]),
    (
        "overlapping max",
        (1, 8, 8),
        lambda r: [_conv(r, 2, 1, 3, padding=1), Tanh(), MaxPool2D(3, stride=1), _conv(r, 2, 2, 2, stride=2)],
    ),
]


@pytest.mark.parametrize(("name", "image", "layers"), ARCHITECTURES, ids=[a[0] for a in ARCHITECTURES])
@pytest.mark.parametrize("seed", range(3))
def test_cnn_gradients_agree_with_independent_autodiff_in_float64(
    name: str, image: tuple[int, int, int], layers: Any, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    network = _network(rng, layers(rng), image)
    size = 1 + 3 * seed
    batch = Batch.of(rng.standard_normal((size, int(np.prod(image))))).labelled(rng.integers(0, 4, size=size))
    ours_loss, ours = network.loss_and_gradients(batch)
    ad_loss, theirs = network_loss_gradients(_spec(network), batch.images, batch.labels)
    assert ours_loss == pytest.approx(ad_loss, rel=1e-12)
    for mine, reference in zip(parameters(ours), theirs, strict=True):
        assert mine.shape == reference.shape
        assert _relative(mine, reference) < 1e-9


@pytest.mark.parametrize(("name", "image", "layers"), ARCHITECTURES, ids=[a[0] for a in ARCHITECTURES])
def test_cnn_gradients_match_finite_differences(name: str, image: tuple[int, int, int], layers: Any) -> None:
    rng = np.random.default_rng(11)
    network = _network(rng, layers(rng), image)
    images, labels = rng.standard_normal((3, int(np.prod(image)))), rng.integers(0, 4, size=3)
    report = check_network_gradients(network, images, labels, rng=rng)
    assert report.passed, report.summary()
    assert report.worst_relative_error < 1e-6


def test_the_cnn_preset_network_matches_autodiff_and_finite_differences() -> None:
    rng = np.random.default_rng(5)
    network = cnn((3, 4), kernel=5, hidden=(6,), image=(1, 12, 12), rng=rng, dtype=np.float64)
    images, labels = rng.random((2, 144)), rng.integers(0, 10, size=2)
    _, ours = network.loss_and_gradients(Batch.of(images).labelled(labels))
    _, theirs = network_loss_gradients(_spec(network), images, labels)
    assert all(_relative(a, b) < 1e-9 for a, b in zip(parameters(ours), theirs, strict=True))
    report = check_network_gradients(network, images, labels, rng=rng)
    assert report.passed and report.worst_relative_error < 1e-6, report.summary()


def test_a_first_block_computed_in_phase_order_matches_autodiff_and_finite_differences() -> None:
    rng = np.random.default_rng(6)
    network = cnn((12, 3), kernel=3, hidden=(5,), image=(1, 8, 8), rng=rng, dtype=np.float64)
    first = network.layers[1]
    assert isinstance(first, Conv2D) and conv_pool._phased(first)  # 1 channel's 3x3 windows (10 inputs), 12 outputs
    images, labels = rng.random((3, 64)), rng.integers(0, 10, size=3)
    _, ours = network.loss_and_gradients(Batch.of(images).labelled(labels))
    _, theirs = network_loss_gradients(_spec(network), images, labels)
    assert all(_relative(a, b) < 1e-9 for a, b in zip(parameters(ours), theirs, strict=True))
    report = check_network_gradients(network, images, labels, rng=rng)
    assert report.passed and report.worst_relative_error < 1e-6, report.summary()


def test_autodiff_comparison_detects_a_wrong_convolution_gradient() -> None:
    rng = np.random.default_rng(0)
    network = _network(rng, ARCHITECTURES[0][2](rng), (1, 12, 12))
    images, labels = rng.standard_normal((3, 144)), rng.integers(0, 4, size=3)
    _, ours = network.loss_and_gradients(Batch.of(images).labelled(labels))
    _, theirs = network_loss_gradients(_spec(network), images, labels)
    flipped = parameters(ours)[0][:, :, ::-1, ::-1]  # the kernel flipped: convolution instead of correlation
    assert _relative(flipped, theirs[0]) > 0.1


def test_the_gradient_checker_finds_a_convolution_whose_backward_is_wrong() -> None:
    class Flipped(Conv2D[Any, Any]):
        """A planted bug: the weight gradient of a true convolution (kernel flipped) for a correlation."""

        def parameter_gradients(self, dy: Any, cache: Any) -> Any:
            grads = super().parameter_gradients(dy, cache)
            return grads.with_parameters([grads.weights[:, :, ::-1, ::-1], grads.bias])

    rng = np.random.default_rng(1)
    good = _conv(rng, 3, 1, 3)
    bad = Flipped(weights=good.weights, bias=good.bias)
    network: Network[Any, Any] = Network(
        (Reshape((1, 6, 6)), bad, Tanh(), Flatten(), Dense.init(4, 48, rng=rng, dtype=np.float64))
    )
    images, labels = rng.standard_normal((2, 36)), rng.integers(0, 4, size=2)
    report = check_network_gradients(network, images, labels, rng=rng)
    assert not report.passed, report.summary()


def test_the_gradient_checker_skips_steps_across_a_change_of_the_maximum() -> None:
    # A 1x1 convolution gives w0 at one pixel and w1 at the other: with w0 and w1 1e-9 apart, any step
    # in w0 or w1 moves the window's maximum, where the derivative jumps; such comparisons are skipped.
    rng = np.random.default_rng(2)
    conv = Conv2D(weights=np.array([0.5, 0.5 + 1e-9]).reshape(1, 2, 1, 1), bias=np.zeros(1))
    dense: Dense[Any, Any] = Dense(weights=np.array([[1.0], [-1.0]]), bias=np.zeros(2))
    network: Network[Any, Any] = Network((Reshape((2, 1, 2)), conv, MaxPool2D((1, 2)), Flatten(), dense))
    images = np.array([[1.0, 0.0, 0.0, 1.0]])  # channel 0: (1, 0); channel 1: (0, 1)
    report = check_network_gradients(network, images, np.array([0]), rng=rng, directions=4)
    assert report.passed, report.summary()
    assert report.skipped_kinks > 0


def test_without_the_pooling_pattern_the_same_check_would_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reason for the max-pooling pattern: a stencil across the switch gives a wrong numeric derivative."""
    import verified_nn.verification._network as checker

    monkeypatch.setattr(checker, "MaxPool2D", type("NoPooling", (), {}))
    conv = Conv2D(weights=np.array([0.5, 0.5 + 1e-9]).reshape(1, 2, 1, 1), bias=np.zeros(1))
    dense: Dense[Any, Any] = Dense(weights=np.array([[1.0], [-1.0]]), bias=np.zeros(2))
    network: Network[Any, Any] = Network((Reshape((2, 1, 2)), conv, MaxPool2D((1, 2)), Flatten(), dense))
    images = np.array([[1.0, 0.0, 0.0, 1.0]])
    report = checker.check_network_gradients(network, images, np.array([0]), rng=np.random.default_rng(2))
    assert not report.passed


def _mode_network(rng: np.random.Generator) -> Network[Any, Any]:
    return cnn((3, 4), kernel=3, hidden=(6,), image=(1, 8, 8), dropout=0.5, rng=rng, dtype=np.float64)


@pytest.mark.parametrize(("name", "image", "layers"), ARCHITECTURES, ids=[a[0] for a in ARCHITECTURES])
def test_a_batch_computed_in_halves_agrees_with_autodiff(name: str, image: tuple[int, int, int], layers: Any) -> None:
    rng = np.random.default_rng(7)
    network = _network(rng, layers(rng), image)
    size = 2 * backprop_module.PART_ROWS + 1  # halves of 16 and 17 samples
    assert backprop_module.parts(network, size) == 2
    batch = Batch.of(rng.standard_normal((size, int(np.prod(image))))).labelled(rng.integers(0, 4, size=size))
    ours_loss, ours = network.loss_and_gradients(batch)
    ad_loss, theirs = network_loss_gradients(_spec(network), batch.images, batch.labels)
    assert ours_loss == pytest.approx(ad_loss, rel=1e-12)
    assert all(_relative(mine, reference) < 1e-9 for mine, reference in zip(parameters(ours), theirs, strict=True))


def test_halves_draw_the_dropout_masks_of_the_whole_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(8)
    network = _mode_network(rng)
    images, labels = rng.random((40, 64)), rng.integers(0, 10, size=40)
    mode = Mode.train(3, 1, 2)
    halves = backprop(network, images, labels, mode=mode)
    monkeypatch.setattr(backprop_module, "PARTS", 1)
    whole = backprop(network, images, labels, mode=mode)
    assert halves[0] == pytest.approx(whole[0], rel=1e-12)
    assert all(_relative(a, b) < 1e-12 for a, b in zip(parameters(halves[1]), parameters(whole[1]), strict=True))
    other = backprop(network, images, labels, mode=Mode.train(3, 1, 3))  # another key: other masks
    assert not np.allclose(parameters(other[1])[-2], parameters(whole[1])[-2])


def test_halves_give_the_same_bits_on_one_thread_and_on_two() -> None:
    rng = np.random.default_rng(9)
    network = cnn((4, 8), kernel=3, hidden=(16,), dropout=0.3, rng=rng)  # float32, as trained
    for size in (64, 24):  # in halves, and whole (too small to split)
        images, labels = rng.random((size, 784)).astype(np.float32), rng.integers(0, 10, size=size)
        mode = Mode.train(0, 1, 0)
        alone = backprop(network, images, labels, mode=mode)
        with ThreadChoice(2, "test").limits():
            assert workers() == 2
            together = backprop(network, images, labels, mode=mode)
        assert alone[0] == together[0]
        assert all(np.array_equal(a, b) for a, b in zip(parameters(alone[1]), parameters(together[1]), strict=True))


def test_only_large_batches_of_per_sample_convolutional_networks_are_split() -> None:
    rng = np.random.default_rng(10)
    network = _mode_network(rng)
    assert backprop_module.parts(network, 32) == 2
    assert backprop_module.parts(network, 31) == 1  # a half would hold fewer than 16 samples
    assert backprop_module.parts(Network(network.layers[-3:]), 64) == 1  # no convolution: dense products, whole
    foreign: Network[Any, Any] = Network((*network.layers[:2], _Centred(), *network.layers[2:]))
    assert backprop_module.parts(foreign, 64) == 1  # a layer that might mix the samples: whole
    assert foreign.loss_and_gradients(Batch.of(rng.random((64, 64))).labelled(rng.integers(0, 10, 64)))[0] > 0


@dataclasses.dataclass(frozen=True)
class _Centred(Layer[Any, Any], ShapePreserving):
    """A layer of one's own that subtracts the batch mean (as batch normalisation does): it mixes samples."""

    def forward(self, x: Any, *, mode: Mode = EVAL) -> tuple[Any, None]:
        return x - x.mean(axis=0), None

    def backward(self, dy: Any, cache: None) -> tuple[Any, "_Centred"]:
        return dy - dy.mean(axis=0), self


def test_a_part_of_a_batch_draws_its_rows_of_the_whole_batch_s_numbers() -> None:
    mode = Mode.train(1, 2, 3)
    whole = mode.draw((10, 3))
    np.testing.assert_array_equal(mode.part(4, 10, 10).draw((6, 3)), whole[4:])
    np.testing.assert_array_equal(mode.part(4, 10, 10).child(5).draw((6, 3)), mode.child(5).draw((10, 3))[4:])
    assert Mode().part(0, 1, 2) == Mode()  # evaluation draws nothing: no rows to keep
    for rows in ((3, 3, 4), (-1, 2, 4), (0, 5, 4)):
        with pytest.raises(InvalidArgumentError, match=r"^Mode: rows must be \(start, stop, total\) with 0 <= start"):
            Mode(training=True, key=(1,), rows=rows)
