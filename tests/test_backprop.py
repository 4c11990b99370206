"""Manual backpropagation of any network against an independent autodiff, per-sample means, finite differences."""

from typing import Any

import numpy as np
import pytest
from autodiff import network_loss_gradients

from verified_nn.core import ShapeError, as_image_batch
from verified_nn.layers import EVAL, Dense, Dropout, LeakyReLU, Mode, ReLU, Tanh
from verified_nn.network import Batch, DefaultNetwork, Network, mlp, parameters
from verified_nn.verification import check_network_gradients

ARCHITECTURES = [
    ((784, 128, 10), "relu", 0.0),
    ((30, 16, 8, 4), "leaky_relu(0.1)", 0.0),
    ((20, 12, 9, 7, 5), "tanh", 0.0),
    ((25, 10), "relu", 0.0),
    ((20, 16, 12, 6), "relu", 0.3),
]


def _relative(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b)) / max(float(np.linalg.norm(b)), 1e-300)


def _spec(network: Network[Any, Any], images: np.ndarray, mode: Mode) -> list[tuple[Any, ...]]:
    """The network as the autodiff's list of operations; dropout masks drawn as the network draws them."""
    spec: list[tuple[Any, ...]] = []
    h = images
    for index, layer in enumerate(network.layers):
        if isinstance(layer, Dense):
            spec.append(("dense", layer.weights, layer.bias))
        elif isinstance(layer, ReLU):
            spec.append(("relu",))
        elif isinstance(layer, LeakyReLU):
            spec.append(("leaky_relu", layer.slope))
        elif isinstance(layer, Tanh):
            spec.append(("tanh",))
        elif isinstance(layer, Dropout):
            spec.append(("scale", layer.mask(h.shape, h.dtype, mode.child(index))))
        h = layer.forward(h, mode=mode.child(index))[0]
    return spec


def _batch(rng: np.random.Generator, size: int, width: int, classes: int) -> Batch[Any]:
    return Batch.of(rng.random((size, width))).labelled(rng.integers(0, classes, size=size))


@pytest.mark.parametrize(("sizes", "activation", "dropout"), ARCHITECTURES)
@pytest.mark.parametrize("seed", range(3))
def test_gradients_agree_with_independent_autodiff_in_float64(
    sizes: tuple[int, ...], activation: str, dropout: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    network = mlp(sizes, rng=rng, activation=activation, dropout=dropout, dtype=np.float64)
    batch = _batch(rng, 1 + 7 * seed, sizes[0], sizes[-1])
    mode = Mode.train(seed) if dropout else EVAL
    ours_loss, ours = network.loss_and_gradients(batch, mode=mode)
    ad_loss, theirs = network_loss_gradients(_spec(network, batch.images, mode), batch.images, batch.labels)
    assert ours_loss == pytest.approx(ad_loss, rel=1e-12)
    for mine, reference in zip(parameters(ours), theirs, strict=True):
        assert mine.shape == reference.shape
        assert _relative(mine, reference) < 1e-9


def test_autodiff_comparison_detects_a_wrong_gradient(network: DefaultNetwork, rng: np.random.Generator) -> None:
    batch = _batch(rng, 6, 784, 10)
    _, ours = network.loss_and_gradients(batch)
    _, theirs = network_loss_gradients(_spec(network, batch.images, EVAL), batch.images, batch.labels)
    assert _relative(2 * parameters(ours)[2], theirs[2]) > 0.5


@pytest.mark.parametrize(("sizes", "activation", "dropout"), ARCHITECTURES[:3])
def test_batch_gradient_is_the_mean_of_per_sample_gradients(
    sizes: tuple[int, ...], activation: str, dropout: float
) -> None:
    rng = np.random.default_rng(1)
    network = mlp(sizes, rng=rng, activation=activation, dtype=np.float64)
    batch = _batch(rng, 6, sizes[0], sizes[-1])
    whole_loss, whole = network.loss_and_gradients(batch)
    singles = [
        network.loss_and_gradients(Batch.of(batch.images[i : i + 1]).labelled(batch.labels[i : i + 1]))
        for i in range(len(batch))
    ]
    assert whole_loss == pytest.approx(np.mean([s[0] for s in singles]), rel=1e-12)
    for index, block in enumerate(parameters(whole)):
        mean = np.mean([parameters(s[1])[index] for s in singles], axis=0)
        np.testing.assert_allclose(block, mean, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize(("sizes", "activation", "dropout"), ARCHITECTURES)
def test_gradients_match_finite_differences(sizes: tuple[int, ...], activation: str, dropout: float) -> None:
    rng = np.random.default_rng(3)
    network = mlp(sizes, rng=rng, activation=activation, dropout=dropout, dtype=np.float64)
    batch = _batch(rng, 6, sizes[0], sizes[-1])
    mode = Mode.train(3) if dropout else EVAL
    report = check_network_gradients(network, batch.images, batch.labels, rng=rng, mode=mode)
    assert report.passed, report.summary()
    assert report.worst_relative_error < 1e-6


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_and_float64_flow_through_the_same_api(dtype: type) -> None:
    rng = np.random.default_rng(0)
    network = mlp((784, 32, 10), rng=rng, dtype=dtype)
    images, labels = as_image_batch(rng.random((4, 784)), dtype=dtype), rng.integers(0, 10, size=4)
    value, grads = network.loss_and_gradients(Batch.of(images).labelled(labels))
    assert all(block.dtype == dtype for block in parameters(grads))
    assert network.probabilities(images).dtype == dtype
    wide = network.astype(np.float64)
    assert value == pytest.approx(wide.loss(Batch.of(images.astype(np.float64)).labelled(labels)), rel=1e-5)


def test_a_batch_refuses_labels_of_another_size() -> None:
    with pytest.raises(
        ShapeError,
        match=r"argument 'labels' expected int\[4\] \(batch=4 from images: float64\[4,784\]\), got int64\[5\]",
    ):
        Batch.of(np.zeros((4, 784))).labelled(np.zeros(5, dtype=np.int64))  # type: ignore[arg-type]


def test_backprop_does_not_mutate_its_inputs(network: DefaultNetwork, rng: np.random.Generator) -> None:
    batch = _batch(rng, 6, 784, 10)
    before = [block.copy() for block in parameters(network)] + [batch.images.copy(), batch.labels.copy()]
    network.loss_and_gradients(batch)
    after = [*parameters(network), batch.images, batch.labels]
    assert all(np.array_equal(b, a) for b, a in zip(before, after, strict=True))
