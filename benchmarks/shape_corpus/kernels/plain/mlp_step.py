"""One training step of a 784-128-10 network in plain numpy, on a random batch."""

import numpy as np

rng = np.random.default_rng(0)


def forward_pass() -> float:
    x = rng.random((64, 784))
    w1 = rng.normal(0.0, 0.05, (128, 784))
    b1 = np.zeros(128)
    h = np.maximum(x @ w1 + b1, 0.0)  # BUG forward FIX: h = np.maximum(x @ w1.T + b1, 0.0)
    return float(h.mean())


def second_layer() -> float:
    h = rng.random((64, 128))
    w2 = rng.normal(0.0, 0.05, (10, 128))
    b2 = np.zeros(128)  # FIX bias: b2 = np.zeros(10)
    logits = h @ w2.T + b2  # BUG bias
    return float(logits.sum())


def weight_gradient() -> float:
    x = rng.random((64, 784))
    dh = rng.random((64, 128))
    w1 = np.zeros((128, 784))
    dw1 = x.T @ dh  # FIX weight_grad: dw1 = dh.T @ x
    w1 -= 0.1 * dw1  # BUG weight_grad
    return float(w1.sum())


def bias_gradient() -> float:
    dlogits = rng.random((64, 10))
    b2 = np.zeros(10)
    db2 = dlogits.sum(axis=1)  # FIX bias_grad: db2 = dlogits.sum(axis=0)
    b2 -= 0.1 * db2  # BUG bias_grad
    return float(b2.sum())


def input_gradient() -> float:
    dlogits = rng.random((64, 10))
    w2 = rng.normal(0.0, 0.05, (10, 128))
    dh = dlogits @ w2.T  # BUG input_grad FIX: dh = dlogits @ w2
    return float(dh.sum())


def relu_backward() -> float:
    pre = rng.normal(size=(64, 128))
    dh = rng.random((64, 10))  # FIX relu_back: dh = rng.random((64, 128))
    dpre = dh * (pre > 0)  # BUG relu_back
    return float(dpre.sum())


def softmax_probs() -> float:
    logits = rng.normal(size=(64, 10))
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1)  # BUG softmax FIX: p = e / e.sum(axis=1, keepdims=True)
    return float(p.sum())


def loss_gradient() -> float:
    p = rng.random((64, 10))
    y = rng.integers(0, 10, size=64)
    onehot = np.eye(10)[y]
    grad = (p - onehot.T) / 64  # BUG ce_grad FIX: grad = (p - onehot) / 64
    return float(grad.sum())
