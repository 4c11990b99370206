"""Preparing MNIST-like image batches: flattening, normalising, one-hot labels, splitting."""

import numpy as np

rng = np.random.default_rng(1)


def flatten_batch() -> float:
    images = rng.random((32, 28, 28))
    flat = images.reshape(32, 28 * 27)  # BUG flatten FIX: flat = images.reshape(32, 28 * 28)
    return float(flat.sum())


def channel_means() -> float:
    images = rng.random((16, 3, 32, 32))
    mean = images.mean(axis=(0, 2))  # FIX channel_mean: mean = images.mean(axis=(0, 2, 3))
    normalised = images - mean[:, None, None]  # BUG channel_mean
    return float(normalised.sum())


def add_channel_axis() -> float:
    images = rng.random((16, 28, 28))
    kernels = rng.random((8, 1, 5, 5))
    batch = images  # FIX channel_axis: batch = images[:, None]
    first_window = np.einsum("bchw,ochw->bo", batch[:, :, :5, :5], kernels)  # BUG channel_axis
    return float(first_window.sum())


def split_train_val() -> float:
    data = rng.random((1000, 784))
    train, val = data[:800], data[800:]
    both = np.concatenate([train, val], axis=1)  # BUG concat FIX: both = np.concatenate([train, val], axis=0)
    return float(both.sum())


def stack_features() -> float:
    pixels = rng.random((64, 784))
    extra = rng.random((64, 16))
    features = np.vstack([pixels, extra])  # BUG hstack FIX: features = np.hstack([pixels, extra])
    return float(features.sum())


def labels_one_hot() -> float:
    labels = rng.integers(0, 10, size=128)
    onehot = np.eye(10)[:, labels]  # FIX onehot: onehot = np.eye(10)[labels]
    probs = rng.random((128, 10))
    return float(-(onehot * np.log(probs)).sum())  # BUG onehot


def shuffle_rows() -> float:
    images = rng.random((500, 784))
    labels = rng.integers(0, 10, size=500)
    order = rng.permutation(500)
    images, labels = images[:, order], labels[order]  # FIX shuffle: images, labels = images[order], labels[order]
    w = rng.random((10, 784))
    return float((images @ w.T).sum() + labels.sum())  # BUG shuffle


def per_pixel_standardise() -> float:
    images = rng.random((256, 784))
    mean = images.mean(axis=1)  # FIX standardise: mean = images.mean(axis=0)
    std = images.std(axis=0) + 1e-8
    return float(((images - mean) / std).sum())  # BUG standardise
