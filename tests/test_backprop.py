"""Manual backpropagation against an independent autodiff, per-sample means, and finite differences."""

import numpy as np
import pytest
from autodiff import mlp_loss_gradients

from verified_nn.core import ShapeError, as_image_batch
from verified_nn.network import MLP, he_init, loss, loss_and_gradients, parameters
from verified_nn.verification import check_network_gradients


def _relative(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b)) / max(float(np.linalg.norm(b)), 1e-300)


@pytest.mark.parametrize("seed", range(5))
def test_gradients_agree_with_independent_autodiff_in_float64(seed: int) -> None:
    rng = np.random.default_rng(seed)
    mlp = he_init(rng, dtype=np.float64)
    images, labels = rng.random((1 + 7 * seed, 784)), rng.integers(0, 10, size=1 + 7 * seed)
    ours_loss, ours = loss_and_gradients(mlp, images, labels)
    ad_loss, theirs = mlp_loss_gradients(*parameters(mlp), images, labels)
    assert ours_loss == pytest.approx(ad_loss, rel=1e-12)
    for mine, reference in zip(parameters(ours), theirs, strict=True):
        assert mine.shape == reference.shape
        assert _relative(mine, reference) < 1e-9


def test_autodiff_comparison_detects_a_wrong_gradient(mlp: MLP, batch: tuple[np.ndarray, np.ndarray]) -> None:
    images, labels = batch
    _, ours = loss_and_gradients(mlp, images, labels)
    _, theirs = mlp_loss_gradients(*parameters(mlp), images, labels)
    assert _relative(2 * parameters(ours)[2], theirs[2]) > 0.5


def test_batch_gradient_is_the_mean_of_per_sample_gradients(mlp: MLP, batch: tuple[np.ndarray, np.ndarray]) -> None:
    images, labels = batch
    batch_loss, batch_grads = loss_and_gradients(mlp, images, labels)
    singles = [loss_and_gradients(mlp, images[i : i + 1], labels[i : i + 1]) for i in range(len(labels))]
    assert batch_loss == pytest.approx(np.mean([s[0] for s in singles]), rel=1e-12)
    for index, block in enumerate(parameters(batch_grads)):
        mean = np.mean([parameters(s[1])[index] for s in singles], axis=0)
        np.testing.assert_allclose(block, mean, rtol=1e-10, atol=1e-15)


def test_gradients_match_finite_differences(mlp: MLP, batch: tuple[np.ndarray, np.ndarray]) -> None:
    images, labels = batch
    report = check_network_gradients(mlp, images, labels, rng=np.random.default_rng(3))
    assert report.passed, report.summary()
    assert report.worst_relative_error < 1e-6


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_and_float64_flow_through_the_same_api(dtype: type) -> None:
    rng = np.random.default_rng(0)
    mlp = he_init(rng, dtype=dtype)
    images, labels = as_image_batch(rng.random((4, 784)), dtype=dtype), rng.integers(0, 10, size=4)
    value, grads = loss_and_gradients(mlp, images, labels)
    assert all(block.dtype == dtype for block in parameters(grads))
    assert mlp.forward_batch(images).dtype == dtype
    assert value == pytest.approx(loss(mlp.astype(np.float64), images.astype(np.float64), labels), rel=1e-5)


def test_loss_and_gradients_rejects_mismatched_batch_sizes(mlp: MLP) -> None:
    with pytest.raises(
        ShapeError, match=r"argument 'labels'.*got int64\[5\] \(batch=4 from images: float64\[4,784\]\)"
    ):
        loss_and_gradients(mlp, as_image_batch(np.zeros((4, 784))), np.zeros(5, dtype=np.int64))


def test_backprop_does_not_mutate_its_inputs(mlp: MLP, batch: tuple[np.ndarray, np.ndarray]) -> None:
    images, labels = batch
    before = [block.copy() for block in parameters(mlp)] + [images.copy(), labels.copy()]
    loss_and_gradients(mlp, images, labels)
    after = [*parameters(mlp), images, labels]
    assert all(np.array_equal(b, a) for b, a in zip(before, after, strict=True))
