"""A dense layer and its gradients with numpy-typed shapes: ``np.ndarray[tuple[B, I], ...]`` and type variables."""

from typing import Any, Literal, TypeVar

import numpy as np

B = TypeVar("B", bound=int)
I = TypeVar("I", bound=int)  # noqa: E741
O = TypeVar("O", bound=int)  # noqa: E741
F = np.dtype[np.float64]


def forward(x: np.ndarray[tuple[B, I], F], w: np.ndarray[tuple[O, I], F], b: np.ndarray[tuple[O], F]) -> np.ndarray[tuple[B, O], F]:
    return x @ w + b  # BUG forward FIX: return x @ w.T + b


def weight_grad(dy: np.ndarray[tuple[B, O], F], x: np.ndarray[tuple[B, I], F]) -> np.ndarray[tuple[O, I], F]:
    return x.T @ dy  # BUG w_grad FIX: return dy.T @ x


def bias_grad(dy: np.ndarray[tuple[B, O], F]) -> np.ndarray[tuple[O], F]:
    return dy.sum(axis=1)  # BUG b_grad FIX: return dy.sum(axis=0)


def input_grad(dy: np.ndarray[tuple[B, O], F], w: np.ndarray[tuple[O, I], F]) -> np.ndarray[tuple[B, I], F]:
    return dy @ w.T  # BUG x_grad FIX: return dy @ w


def mnist_hidden(
    x: np.ndarray[tuple[B, Literal[784]], F], w: np.ndarray[tuple[Literal[128], Literal[784]], F]
) -> np.ndarray[tuple[B, Literal[128]], F]:
    return np.maximum(x @ w, 0.0)  # BUG hidden FIX: return np.maximum(x @ w.T, 0.0)


def mnist_logits(
    h: np.ndarray[tuple[B, Literal[128]], F],
    w: np.ndarray[tuple[Literal[10], Literal[128]], F],
    b: np.ndarray[tuple[Literal[128]], F],  # FIX logits_bias: b: np.ndarray[tuple[Literal[10]], F],
) -> np.ndarray[tuple[B, Literal[10]], F]:
    return h @ w.T + b  # BUG logits_bias


def l2_grad(w: np.ndarray[tuple[O, I], F], dw: np.ndarray[tuple[O, I], F], decay: float) -> np.ndarray[tuple[O, I], F]:
    return dw + decay * w.T  # BUG l2 FIX: return dw + decay * w


def batch_mean_grad(dy: np.ndarray[tuple[B, O], F]) -> np.ndarray[tuple[B, O], F]:
    return dy / dy.sum(axis=1)  # BUG norm FIX: return dy / dy.sum(axis=1, keepdims=True)


def outer_update(
    w: np.ndarray[tuple[O, I], F], u: np.ndarray[tuple[O], F], v: np.ndarray[tuple[I], F]
) -> np.ndarray[tuple[O, I], F]:
    return w + np.outer(v, u)  # BUG outer FIX: return w + np.outer(u, v)


def residual(x: np.ndarray[tuple[B, I], F], w: np.ndarray[tuple[O, I], F]) -> np.ndarray[tuple[B, I], F]:
    return x + x @ w.T  # BUG residual FIX: return x + x @ w.T @ w


def concat_features(
    a: np.ndarray[tuple[B, Literal[64]], F], c: np.ndarray[tuple[B, Literal[16]], F]
) -> np.ndarray[tuple[B, Literal[80]], F]:
    return np.concatenate([a, c], axis=0)  # BUG concat FIX: return np.concatenate([a, c], axis=1)


def with_bias_column(x: np.ndarray[tuple[B, Literal[784]], F]) -> np.ndarray[tuple[B, Literal[785]], F]:
    ones = np.ones((x.shape[0], 1))
    return np.hstack([ones, x.T])  # BUG bias_col FIX: return np.hstack([ones, x])


def last_column(x: np.ndarray[tuple[B, Literal[10]], np.dtype[Any]]) -> np.ndarray[tuple[B], np.dtype[Any]]:
    return x[-1]  # BUG last FIX: return x[:, -1]
