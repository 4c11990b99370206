"""A user's convolution, pooling and training helpers typed with ``Floating`` dims and the library's aliases."""

import numpy as np

from verified_nn.core import Floating, LabelBatch, LogitsBatch, cross_entropy_gradient, log_softmax, softmax


def to_maps(images: Floating[np.ndarray, "batch 784"]) -> Floating[np.ndarray, "batch 1 28 28"]:
    return images.reshape(-1, 28, 28)  # BUG maps FIX: return images.reshape(-1, 1, 28, 28)


def conv_valid(
    maps: Floating[np.ndarray, "batch 1 28 28"], kernels: Floating[np.ndarray, "8 1 5 5"]
) -> Floating[np.ndarray, "batch 8 24 24"]:
    windows = np.lib.stride_tricks.sliding_window_view(maps, (5, 5), axis=(2, 3))
    return np.einsum("bchwij,ocij->bchw", windows, kernels)  # BUG conv_out FIX: return np.einsum("bchwij,ocij->bohw", windows, kernels)


def pool(maps: Floating[np.ndarray, "batch 8 24 24"]) -> Floating[np.ndarray, "batch 8 12 12"]:
    return maps.reshape(-1, 8, 12, 2, 12, 2).mean(axis=(2, 4))  # BUG pool FIX: return maps.reshape(-1, 8, 12, 2, 12, 2).mean(axis=(3, 5))


def flatten_pooled(maps: Floating[np.ndarray, "batch 8 12 12"]) -> Floating[np.ndarray, "batch 1152"]:
    return maps.reshape(maps.shape[0], 8 * 24 * 24)  # BUG flatten FIX: return maps.reshape(maps.shape[0], 8 * 12 * 12)


def classifier(flat: Floating[np.ndarray, "batch 1152"], w: Floating[np.ndarray, "10 1152"]) -> LogitsBatch:
    return flat @ w  # BUG classifier FIX: return flat @ w.T


def loss_grad_scaled(logits: LogitsBatch, labels: LabelBatch, weights: Floating[np.ndarray, " batch"]) -> LogitsBatch:
    return cross_entropy_gradient(logits, labels) * weights  # BUG weighted FIX: return cross_entropy_gradient(logits, labels) * weights[:, None]


def predicted_class(logits: LogitsBatch) -> LabelBatch:
    return softmax(logits).argmax(axis=0)  # BUG predicted FIX: return softmax(logits).argmax(axis=1)


def nll(logits: LogitsBatch, labels: LabelBatch) -> Floating[np.ndarray, " batch"]:
    return -np.take_along_axis(log_softmax(logits), labels[None, :], axis=1)[:, 0]  # BUG nll FIX: return -np.take_along_axis(log_softmax(logits), labels[:, None], axis=1)[:, 0]


def distillation(student: LogitsBatch, teacher: Floating[np.ndarray, "10 batch"]) -> Floating[np.ndarray, " batch"]:
    return -(softmax(teacher) * log_softmax(student)).sum(axis=1)  # BUG distill FIX: return -(softmax(teacher.T) * log_softmax(student)).sum(axis=1)


def channel_bias(maps: Floating[np.ndarray, "batch 8 24 24"], bias: Floating[np.ndarray, " 8"]) -> Floating[np.ndarray, "batch 8 24 24"]:
    return maps + bias  # BUG channel_bias FIX: return maps + bias[:, None, None]


def conv_weight_grad(
    windows: Floating[np.ndarray, "batch 1 24 24 5 5"], dy: Floating[np.ndarray, "batch 8 24 24"]
) -> Floating[np.ndarray, "8 1 5 5"]:
    return np.einsum("bchwij,bohw->coij", windows, dy)  # BUG conv_dw FIX: return np.einsum("bchwij,bohw->ocij", windows, dy)


def upsample_grad(dy: Floating[np.ndarray, "batch 8 12 12"]) -> Floating[np.ndarray, "batch 8 24 24"]:
    return dy.repeat(2, axis=2)  # BUG upsample FIX: return dy.repeat(2, axis=2).repeat(2, axis=3)


def image_means(images: Floating[np.ndarray, "batch 784"]) -> Floating[np.ndarray, " batch"]:
    return images.mean(axis=0)  # BUG image_mean FIX: return images.mean(axis=1)
