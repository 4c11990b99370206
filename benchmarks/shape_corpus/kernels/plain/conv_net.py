"""A small convolutional network's pieces in plain numpy, on random batches of literal sizes."""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

rng = np.random.default_rng(2)


def conv_forward() -> float:
    x = rng.random((8, 1, 28, 28))
    w = rng.normal(size=(16, 1, 5, 5))
    windows = sliding_window_view(x, (5, 5), axis=(2, 3))
    y = np.einsum("bchwij,ocij->bohw", windows, w)
    y = y + rng.random(16)  # BUG conv_bias FIX: y = y + rng.random(16)[None, :, None, None]
    return float(y.sum())


def conv_then_dense() -> float:
    maps = rng.random((8, 16, 12, 12))
    w = rng.normal(size=(10, 16 * 14 * 14))  # FIX conv_dense: w = rng.normal(size=(10, 16 * 12 * 12))
    logits = maps.reshape(8, -1) @ w.T  # BUG conv_dense
    return float(logits.sum())


def pool_2x2() -> float:
    maps = rng.random((8, 16, 24, 24))
    pooled = maps.reshape(8, 16, 12, 2, 12, 2).max(axis=(3, 5))
    flat = pooled.reshape(8, 16 * 24 * 24)  # BUG pool_flat FIX: flat = pooled.reshape(8, 16 * 12 * 12)
    return float(flat.sum())


def channels_last() -> float:
    images = rng.random((8, 28, 28, 3))
    w = rng.normal(size=(16, 3, 3, 3))
    chw = images.transpose(0, 3, 1, 2)
    windows = sliding_window_view(images, (3, 3), axis=(2, 3))  # FIX chw: windows = sliding_window_view(chw, (3, 3), axis=(2, 3))
    y = np.einsum("bchwij,ocij->bohw", windows, w)  # BUG chw
    return float(y.sum() + chw.sum())


def upsample() -> float:
    maps = rng.random((4, 8, 7, 7))
    up = maps.repeat(2, axis=2).repeat(2, axis=3)
    skip = rng.random((4, 8, 14, 14))
    merged = np.concatenate([up, skip], axis=2)  # BUG merge FIX: merged = np.concatenate([up, skip], axis=1)
    head = rng.normal(size=(3, 16))
    return float(np.einsum("bchw,oc->bohw", merged, head).sum())


def pad_same() -> float:
    x = rng.random((2, 3, 32, 32))
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    windows = sliding_window_view(padded, (3, 3), axis=(2, 3))
    assert windows.shape[2:4] == (32, 32)
    residual = windows.mean(axis=(4, 5)) + padded  # BUG residual FIX: residual = windows.mean(axis=(4, 5)) + x
    return float(residual.sum())


def global_average_pool() -> float:
    maps = rng.random((8, 64, 7, 7))
    w = rng.normal(size=(10, 64))
    pooled = maps.mean(axis=(1, 2))  # FIX gap: pooled = maps.mean(axis=(2, 3))
    return float((pooled @ w.T).sum())  # BUG gap


def conv_weight_grad() -> float:
    windows = rng.random((8, 3, 6, 6, 3, 3))
    dy = rng.random((8, 4, 6, 6))
    w = rng.normal(size=(4, 3, 3, 3))
    dw = np.einsum("bchwij,bohw->ocij", windows, dy)
    w -= 0.1 * dw.transpose(1, 0, 2, 3)  # BUG conv_dw FIX: w -= 0.1 * dw
    return float(w.sum())


def grayscale() -> float:
    rgb = rng.random((16, 3, 32, 32))
    weights = np.array([0.299, 0.587, 0.114])
    gray = (rgb * weights).sum(axis=1)  # BUG gray FIX: gray = (rgb * weights[None, :, None, None]).sum(axis=1)
    return float(gray.sum())


def crop_centre() -> float:
    images = rng.random((16, 1, 32, 32))
    crop = images[:, :, 2:30, 2:30]
    flat = crop.reshape(16, 784)
    w = rng.normal(size=(10, 1024))  # FIX crop: w = rng.normal(size=(10, 784))
    return float((flat @ w.T).sum())  # BUG crop
