"""Data statistics, metrics and small models in plain numpy, on random arrays of literal sizes."""

import numpy as np

rng = np.random.default_rng(3)


def confusion_matrix() -> float:
    predicted = rng.integers(0, 10, size=1000)
    truth = rng.integers(0, 10, size=900)  # FIX confusion: truth = rng.integers(0, 10, size=1000)
    hits = predicted == truth  # BUG confusion
    return float(hits.mean())


def linear_regression() -> float:
    x = rng.random((200, 5))
    y = rng.random(200)
    w = np.linalg.solve(x.T @ x, x @ y)  # BUG normal_eq FIX: w = np.linalg.solve(x.T @ x, x.T @ y)
    return float(w.sum())


def covariance() -> float:
    data = rng.random((500, 20))
    centred = data - data.mean(axis=0)
    cov = centred @ centred.T / 499  # FIX cov: cov = centred.T @ centred / 499
    whitened = data @ cov  # BUG cov
    return float(whitened.sum())


def pca_projection() -> float:
    data = rng.random((300, 64))
    components = rng.random((64, 8))
    centred = data - data.mean(axis=0)
    projected = centred @ components
    restored = projected @ components  # BUG pca FIX: restored = projected @ components.T
    return float(restored.sum())


def logistic_regression_step() -> float:
    x = rng.random((100, 3))
    y = rng.integers(0, 2, size=100)
    w = np.zeros(3)
    p = 1.0 / (1.0 + np.exp(-(x @ w)))
    grad = x @ (p - y) / 100  # BUG logistic FIX: grad = x.T @ (p - y) / 100
    w -= 0.1 * grad
    return float(w.sum())


def kmeans_assign() -> float:
    points = rng.random((400, 2))
    centres = rng.random((5, 2))
    distances = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    nearest = distances.argmin(axis=0)  # FIX kmeans: nearest = distances.argmin(axis=1)
    labels_for_points = np.zeros(400, dtype=np.int64) + nearest  # BUG kmeans
    return float(labels_for_points.sum())


def standardise_columns() -> float:
    table = rng.random((50, 7))
    z = (table - table.mean(axis=0)) / table.std(axis=1)  # BUG z_score FIX: z = (table - table.mean(axis=0)) / table.std(axis=0)
    return float(z.sum())


def moving_average() -> float:
    series = rng.random(365)
    smooth = np.convolve(series, np.ones(7) / 7, mode="valid")
    residual = series - smooth  # BUG moving FIX: residual = series[6:] - smooth
    return float(residual.sum())


def train_test_split() -> float:
    x = rng.random((1000, 10))
    y = rng.integers(0, 2, size=1000)
    x_train, y_train = x[:800], y[:800]
    w = np.linalg.lstsq(x_train, y[800:], rcond=None)[0]  # BUG split FIX: w = np.linalg.lstsq(x_train, y_train, rcond=None)[0]
    return float(w.sum() + y_train.sum())


def top_k_accuracy() -> float:
    probs = rng.random((64, 10))
    labels = rng.integers(0, 10, size=64)
    top3 = np.argsort(probs, axis=1)[:, -3:]
    hit = (top3 == labels).any(axis=1)  # BUG topk FIX: hit = (top3 == labels[:, None]).any(axis=1)
    return float(hit.mean())


def weighted_sum() -> float:
    features = rng.random((32, 6))
    weights = rng.random(32)  # FIX weighted: weights = rng.random(6)
    score = features @ weights  # BUG weighted
    return float(score.sum())


def stack_channels() -> float:
    red = rng.random((28, 28))
    green = rng.random((28, 28))
    blue = rng.random((28, 28))
    image = np.stack([red, green, blue], axis=0)
    flat = image.reshape(28 * 28 * 3)
    w = rng.random((10, 784))  # FIX stack: w = rng.random((10, 28 * 28 * 3))
    return float((w @ flat).sum())  # BUG stack
