"""A user's own MNIST kernels typed with the library's shape aliases and built on its functions."""

import numpy as np

from verified_nn.core import (
    Floating,
    Image,
    ImageBatch,
    LabelBatch,
    LogitsBatch,
    ProbabilitiesBatch,
    relu,
    softmax,
)
from verified_nn.layers import Dense


def hidden_layer(
    x: ImageBatch, w: Floating[np.ndarray, "128 784"], b: Floating[np.ndarray, " 128"]
) -> Floating[np.ndarray, "batch 128"]:
    return relu(x @ w + b)  # BUG hidden FIX: return relu(x @ w.T + b)


def output_layer(h: Floating[np.ndarray, "batch 128"], w: Floating[np.ndarray, "10 128"]) -> LogitsBatch:
    return h @ w  # BUG output FIX: return h @ w.T


def class_probabilities(logits: LogitsBatch) -> ProbabilitiesBatch:
    shifted = logits - logits.max(axis=0)  # BUG shift FIX: shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def per_sample_loss(probs: ProbabilitiesBatch, labels: LabelBatch) -> Floating[np.ndarray, " batch"]:
    picked = probs[labels]  # FIX pick: picked = probs[np.arange(labels.shape[0]), labels]
    return -np.log(picked)  # BUG pick


def loss_gradient(probs: ProbabilitiesBatch, onehot: Floating[np.ndarray, "batch 10"]) -> LogitsBatch:
    return (probs - onehot).sum(axis=0) / probs.shape[0]  # BUG grad FIX: return (probs - onehot) / probs.shape[0]


def image_as_batch(image: Image) -> ImageBatch:
    return image[:, None]  # BUG one_image FIX: return image[None, :]


def mean_image(images: ImageBatch) -> Image:
    return images.mean(axis=1)  # BUG mean FIX: return images.mean(axis=0)


def centre(images: ImageBatch) -> ImageBatch:
    mean = images.mean(axis=1)  # FIX centre: mean = images.mean(axis=0)
    return images - mean  # BUG centre


def predictions_to_probabilities(logits: LogitsBatch) -> ProbabilitiesBatch:
    return softmax(logits.T)  # BUG softmax_t FIX: return softmax(logits)


def dense_logits(layer: Dense[int, int], x: ImageBatch, w_out: Floating[np.ndarray, "10 128"]) -> LogitsBatch:
    hidden: Floating[np.ndarray, "batch 128"] = relu(x @ layer.weights.T)
    return hidden.T @ w_out.T  # BUG hidden_t FIX: return hidden @ w_out.T


def confidence(probs: ProbabilitiesBatch) -> Floating[np.ndarray, " batch"]:
    return probs.max(axis=0)  # BUG confidence FIX: return probs.max(axis=1)


def margin(logits: LogitsBatch, labels: LabelBatch) -> Floating[np.ndarray, " batch"]:
    rows = np.arange(logits.shape[0])
    true_score = logits[rows, labels]
    other = np.where(np.eye(10, dtype=bool)[labels], -np.inf, logits).max(axis=1)
    return true_score - other[:, None]  # BUG margin FIX: return true_score - other


def image_grid(images: ImageBatch) -> Floating[np.ndarray, "batch 28 28"]:
    return images.reshape(-1, 28, 27)  # BUG grid FIX: return images.reshape(-1, 28, 28)


def flip_horizontal(images: ImageBatch) -> ImageBatch:
    grid = images.reshape(-1, 28, 28)
    return grid[:, :, ::-1]  # BUG flip FIX: return grid[:, :, ::-1].reshape(-1, 784)
