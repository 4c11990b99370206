"""Optimizers, regularisers and data helpers a user writes for training, annotated with jaxtyping dims."""

import numpy as np
from jaxtyping import Bool, Float, Float32, Int


def adam_update(
    w: Float[np.ndarray, "o i"], m: Float[np.ndarray, "o i"], v: Float[np.ndarray, "i o"], lr: float
) -> Float[np.ndarray, "o i"]:
    return w - lr * m / (np.sqrt(v) + 1e-8)  # BUG adam FIX: return w - lr * m / (np.sqrt(v.T) + 1e-8)


def momentum(
    velocity: Float[np.ndarray, " n"], grad: Float[np.ndarray, "n 1"], mu: float
) -> Float[np.ndarray, " n"]:
    return mu * velocity + grad  # BUG velocity FIX: return mu * velocity + grad[:, 0]


def dropout(x: Float[np.ndarray, "b f"], keep: Bool[np.ndarray, " f"], rate: float) -> Float[np.ndarray, "b f"]:
    return x * keep[:, None] / (1.0 - rate)  # BUG dropout FIX: return x * keep[None, :] / (1.0 - rate)


def weight_decay(params: Float[np.ndarray, "o i"], decay: float) -> Float[np.ndarray, " o"]:
    return decay * (params**2).sum(axis=0)  # BUG decay FIX: return decay * (params**2).sum(axis=1)


def clip_rows(g: Float[np.ndarray, "b f"], max_norm: float) -> Float[np.ndarray, "b f"]:
    norms = np.linalg.norm(g, axis=1)
    return g * np.minimum(1.0, max_norm / norms)  # BUG clip FIX: return g * np.minimum(1.0, max_norm / norms)[:, None]


def minibatch(x: Float[np.ndarray, "n f"], order: Int[np.ndarray, " n"]) -> Float[np.ndarray, "32 f"]:
    return x[order[:32], :32]  # BUG minibatch FIX: return x[order[:32]]


def augment_noise(x: Float32[np.ndarray, "b 784"], noise: Float32[np.ndarray, "b 28 28"]) -> Float32[np.ndarray, "b 784"]:
    return x + noise  # BUG noise FIX: return x + noise.reshape(-1, 784)


def mixup(
    x1: Float[np.ndarray, "b f"], x2: Float[np.ndarray, "b f"], lam: Float[np.ndarray, " b"]
) -> Float[np.ndarray, "b f"]:
    return lam * x1 + (1.0 - lam) * x2  # BUG mixup FIX: return lam[:, None] * x1 + (1.0 - lam[:, None]) * x2


def ema(shadow: Float[np.ndarray, "o i"], params: Float[np.ndarray, "o i"], decay: float) -> Float[np.ndarray, "o i"]:
    return decay * shadow + (1.0 - decay) * params.T  # BUG ema FIX: return decay * shadow + (1.0 - decay) * params


def gradient_norms(grads: Float[np.ndarray, "layers p"]) -> Float[np.ndarray, " layers"]:
    return np.sqrt((grads**2).sum(axis=0))  # BUG norms FIX: return np.sqrt((grads**2).sum(axis=1))


def class_balance(labels: Int[np.ndarray, " b"], counts: Float[np.ndarray, " c"]) -> Float[np.ndarray, " b"]:
    return 1.0 / counts  # BUG balance FIX: return 1.0 / counts[labels]


def focal_loss(probs: Float[np.ndarray, "b c"], onehot: Float[np.ndarray, "b c"]) -> Float[np.ndarray, " b"]:
    pt = (probs * onehot).sum(axis=1, keepdims=True)
    return -((1.0 - pt) ** 2 * np.log(pt))  # BUG focal FIX: return -((1.0 - pt) ** 2 * np.log(pt))[:, 0]


def hinge(scores: Float[np.ndarray, "b c"], correct: Float[np.ndarray, " b"]) -> Float[np.ndarray, "b c"]:
    return np.maximum(0.0, scores - correct + 1.0)  # BUG hinge FIX: return np.maximum(0.0, scores - correct[:, None] + 1.0)


def shuffle_pair(
    x: Float[np.ndarray, "n f"], y: Int[np.ndarray, " n"], order: Int[np.ndarray, " n"]
) -> tuple[Float[np.ndarray, "n f"], Int[np.ndarray, " n"]]:
    return x[order], y[order][:, None]  # BUG shuffle FIX: return x[order], y[order]


def split_features(x: Float[np.ndarray, "b 20"]) -> tuple[Float[np.ndarray, "b 10"], Float[np.ndarray, "b 10"]]:
    left, right = np.split(x, 2, axis=0)  # BUG split FIX: left, right = np.split(x, 2, axis=1)
    return left, right
