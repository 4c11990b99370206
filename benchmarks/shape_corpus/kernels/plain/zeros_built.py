"""Layers, buffers and bookkeeping on arrays built with np.zeros, np.ones, np.full and np.arange."""

import numpy as np


def init_and_forward() -> float:
    w = np.zeros((256, 784))
    b = np.zeros(256)
    x = np.ones((32, 784))
    return float((x @ w + b).sum())  # BUG init_fwd FIX: return float((x @ w.T + b).sum())


def adam_moments() -> float:
    w = np.ones((128, 784))
    m = np.zeros((784, 128))  # FIX moments: m = np.zeros((128, 784))
    g = np.full((128, 784), 0.5)
    m = 0.9 * m + 0.1 * g  # BUG moments
    return float((w - m).sum())


def bias_buffer() -> float:
    logits = np.ones((64, 10))
    bias = np.zeros((64,))  # FIX bias_buf: bias = np.zeros((10,))
    return float((logits + bias).sum())  # BUG bias_buf


def running_mean() -> float:
    running = np.zeros(128)
    batch = np.ones((32, 128))
    running = 0.9 * running + 0.1 * batch.mean(axis=1)  # BUG running FIX: running = 0.9 * running + 0.1 * batch.mean(axis=0)
    return float(running.sum())


def confusion_counts() -> float:
    counts = np.zeros((10, 10))
    rows = np.arange(10)
    counts[rows, rows] += np.ones(100)  # BUG confusion FIX: counts[rows, rows] += np.ones(10)
    return float(counts.sum())


def accumulate_gradients() -> float:
    total = np.zeros((10, 128))
    for _ in range(3):
        step = np.ones((128, 10))
        total += step  # BUG accumulate FIX: total += step.T
    return float(total.sum())


def embedding_lookup() -> float:
    table = np.zeros((1000, 64))
    ids = np.arange(16)
    vectors = table[ids]
    w = np.ones((64, 16))  # FIX lookup: w = np.ones((16, 64))
    return float((vectors @ w.T).sum())  # BUG lookup


def attention_mask() -> float:
    scores = np.zeros((8, 16, 16))
    mask = np.ones((16, 8), dtype=bool)  # FIX mask: mask = np.ones((16, 16), dtype=bool)
    masked = np.where(mask, scores, -1e9)  # BUG mask
    return float(masked.sum())


def image_batch_buffer() -> float:
    buffer = np.zeros((64, 1, 28, 28))
    flat = np.ones((64, 784))
    buffer[:] = flat  # BUG buffer FIX: buffer[:] = flat.reshape(64, 1, 28, 28)
    return float(buffer.sum())


def one_hot_fill() -> float:
    labels = np.arange(32) % 10
    onehot = np.zeros((32, 10))
    onehot[np.arange(32), labels] = 1.0
    logits = np.ones((32, 12))  # FIX onehot_width: logits = np.ones((32, 10))
    return float((logits - onehot).sum())  # BUG onehot_width


def hidden_state() -> float:
    h = np.zeros((16, 64))
    w_h = np.ones((64, 64))
    x = np.ones((16, 32))
    w_x = np.ones((64, 32))
    h = np.tanh(h @ w_h.T + x @ w_x)  # BUG hidden FIX: h = np.tanh(h @ w_h.T + x @ w_x.T)
    return float(h.sum())


def stacked_predictions() -> float:
    first = np.zeros((100, 10))
    second = np.ones((100, 10))
    both = np.stack([first, second])
    mean = both.mean(axis=1)  # FIX ensemble: mean = both.mean(axis=0)
    return float((mean - first).sum())  # BUG ensemble


def linspace_grid() -> float:
    xs = np.linspace(0.0, 1.0, 50)
    ys = np.linspace(0.0, 1.0, 40)
    grid = xs[:, None] + ys[None, :]
    values = np.ones((40, 50))  # FIX grid: values = np.ones((50, 40))
    return float((grid * values).sum())  # BUG grid


def identity_residual() -> float:
    x = np.ones((8, 20))
    proj = np.eye(30)  # FIX eye: proj = np.eye(20)
    return float((x @ proj + x).sum())  # BUG eye


def bias_column() -> float:
    x = np.ones((50, 3))
    design = np.hstack([np.ones((50, 1)), x])
    w = np.zeros(3)  # FIX design: w = np.zeros(4)
    return float((design @ w).sum())  # BUG design
