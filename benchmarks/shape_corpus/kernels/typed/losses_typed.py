"""Softmax, losses and their gradients with numpy-typed shapes and type variables."""

from typing import TypeVar

import numpy as np

B = TypeVar("B", bound=int)
C = TypeVar("C", bound=int)
F = np.dtype[np.float64]
Ints = np.dtype[np.int64]


def softmax(z: np.ndarray[tuple[B, C], F]) -> np.ndarray[tuple[B, C], F]:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1)  # BUG keepdims FIX: return e / e.sum(axis=1, keepdims=True)


def log_softmax(z: np.ndarray[tuple[B, C], F]) -> np.ndarray[tuple[B, C], F]:
    m = z.max(axis=1, keepdims=True)
    lse = m + np.log(np.exp(z - m).sum(axis=1))  # FIX lse_keep: lse = m + np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    return z - lse  # BUG lse_keep


def logsumexp(z: np.ndarray[tuple[B, C], F]) -> np.ndarray[tuple[B], F]:
    m = z.max(axis=1, keepdims=True)
    return (m + np.log(np.exp(z - m).sum(axis=1, keepdims=True)))[0]  # BUG row FIX: return (m + np.log(np.exp(z - m).sum(axis=1, keepdims=True)))[:, 0]


def nll(logp: np.ndarray[tuple[B, C], F], labels: np.ndarray[tuple[B], Ints]) -> np.ndarray[tuple[B], F]:
    return -np.take_along_axis(logp, labels[:, None], axis=1)  # BUG take FIX: return -np.take_along_axis(logp, labels[:, None], axis=1)[:, 0]


def onehot(labels: np.ndarray[tuple[B], Ints], eye: np.ndarray[tuple[C, C], F]) -> np.ndarray[tuple[B, C], F]:
    return eye[:, labels]  # BUG onehot FIX: return eye[labels]


def ce_grad(probs: np.ndarray[tuple[B, C], F], target: np.ndarray[tuple[B, C], F]) -> np.ndarray[tuple[B, C], F]:
    return (probs - target).T / probs.shape[0]  # BUG ce_t FIX: return (probs - target) / probs.shape[0]


def mse(pred: np.ndarray[tuple[B, C], F], target: np.ndarray[tuple[C, B], F]) -> np.ndarray[tuple[B], F]:
    return ((pred - target) ** 2).mean(axis=1)  # BUG mse FIX: return ((pred - target.T) ** 2).mean(axis=1)


def mse_grad(pred: np.ndarray[tuple[B, C], F], target: np.ndarray[tuple[B, C], F]) -> np.ndarray[tuple[B, C], F]:
    return 2.0 * (pred - target).mean(axis=0)  # BUG mse_grad FIX: return 2.0 * (pred - target) / pred.shape[1]


def hits(probs: np.ndarray[tuple[B, C], F], labels: np.ndarray[tuple[B], Ints]) -> np.ndarray[tuple[B], np.dtype[np.bool_]]:
    return probs.argmax(axis=0) == labels  # BUG argmax FIX: return probs.argmax(axis=1) == labels


def entropy(probs: np.ndarray[tuple[B, C], F]) -> np.ndarray[tuple[B], F]:
    return -(probs * np.log(probs)).sum(axis=0)  # BUG entropy FIX: return -(probs * np.log(probs)).sum(axis=1)


def label_smoothing(onehot: np.ndarray[tuple[B, C], F], eps: float) -> np.ndarray[tuple[B, C], F]:
    uniform = np.full((onehot.shape[1],), 1.0 / onehot.shape[1])
    return (1.0 - eps) * onehot + eps * uniform[:, None]  # BUG smooth FIX: return (1.0 - eps) * onehot + eps * uniform[None, :]
