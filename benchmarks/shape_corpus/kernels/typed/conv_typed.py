"""Convolution, pooling and sequence kernels with numpy-typed shapes, literal and symbolic."""

from typing import Any, Literal, TypeVar

import numpy as np

B = TypeVar("B", bound=int)
C = TypeVar("C", bound=int)
T = TypeVar("T", bound=int)
D = TypeVar("D", bound=int)
F = np.dtype[Any]


def add_channel(images: np.ndarray[tuple[B, Literal[28], Literal[28]], F]) -> np.ndarray[tuple[B, Literal[1], Literal[28], Literal[28]], F]:
    return images[:, :, None]  # BUG channel FIX: return images[:, None]


def pool2(maps: np.ndarray[tuple[B, Literal[8], Literal[28], Literal[28]], F]) -> np.ndarray[tuple[B, Literal[8], Literal[14], Literal[14]], F]:
    return maps.reshape(maps.shape[0], 8, 14, 2, 14, 2).max(axis=(2, 4))  # BUG pool FIX: return maps.reshape(maps.shape[0], 8, 14, 2, 14, 2).max(axis=(3, 5))


def flatten(maps: np.ndarray[tuple[B, Literal[8], Literal[14], Literal[14]], F]) -> np.ndarray[tuple[B, Literal[1568]], F]:
    return maps.reshape(maps.shape[0], 8 * 14 * 28)  # BUG flatten FIX: return maps.reshape(maps.shape[0], 8 * 14 * 14)


def channel_scale(maps: np.ndarray[tuple[B, C, Literal[28], Literal[28]], F], scale: np.ndarray[tuple[C], F]) -> np.ndarray[tuple[B, C, Literal[28], Literal[28]], F]:
    return maps * scale[None, None, :]  # BUG scale FIX: return maps * scale[None, :, None, None]


def nchw_to_nhwc(maps: np.ndarray[tuple[B, C, Literal[28], Literal[28]], F]) -> np.ndarray[tuple[B, Literal[28], Literal[28], C], F]:
    return maps.transpose(0, 3, 2, 1)  # BUG nhwc FIX: return maps.transpose(0, 2, 3, 1)


def attention(q: np.ndarray[tuple[T, D], F], k: np.ndarray[tuple[T, D], F], v: np.ndarray[tuple[T, D], F]) -> np.ndarray[tuple[T, D], F]:
    scores = q @ k.T
    weights = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    return weights @ v.T  # BUG attend FIX: return weights @ v


def mean_pool_tokens(x: np.ndarray[tuple[B, T, D], F]) -> np.ndarray[tuple[B, D], F]:
    return x.mean(axis=2)  # BUG tokens FIX: return x.mean(axis=1)


def first_token(x: np.ndarray[tuple[B, T, D], F]) -> np.ndarray[tuple[B, D], F]:
    return x[0]  # BUG cls FIX: return x[:, 0]


def project(x: np.ndarray[tuple[B, T, D], F], w: np.ndarray[tuple[C, D], F]) -> np.ndarray[tuple[B, T, C], F]:
    return x @ w  # BUG project FIX: return x @ w.T


def split_heads(x: np.ndarray[tuple[T, Literal[64]], F]) -> np.ndarray[tuple[Literal[8], T, Literal[8]], F]:
    return x.reshape(x.shape[0], 8, 8).transpose(1, 2, 0)  # BUG heads FIX: return x.reshape(x.shape[0], 8, 8).transpose(1, 0, 2)


def skip_connection(x: np.ndarray[tuple[B, D], F], h: np.ndarray[tuple[B, C], F]) -> np.ndarray[tuple[B, D], F]:
    return x + h  # BUG skip FIX: return x + h[:, :1]


def expand_labels(labels: np.ndarray[tuple[B], np.dtype[np.int64]]) -> np.ndarray[tuple[B, Literal[1]], np.dtype[np.int64]]:
    return np.expand_dims(labels, 0)  # BUG expand FIX: return np.expand_dims(labels, 1)
