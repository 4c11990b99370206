"""A dense layer written by hand: forward, backward, and a two-layer classifier."""

import numpy as np
from jaxtyping import Float


def dense_forward(
    x: Float[np.ndarray, "batch fan_in"], w: Float[np.ndarray, "fan_out fan_in"], b: Float[np.ndarray, " fan_out"]
) -> Float[np.ndarray, "batch fan_out"]:
    return x @ w + b  # BUG forward FIX: return x @ w.T + b


def dense_weight_grad(
    dy: Float[np.ndarray, "batch fan_out"], x: Float[np.ndarray, "batch fan_in"]
) -> Float[np.ndarray, "fan_out fan_in"]:
    dw = x.T @ dy  # FIX weight_grad: dw = dy.T @ x
    return dw  # BUG weight_grad


def dense_bias_grad(dy: Float[np.ndarray, "batch fan_out"]) -> Float[np.ndarray, " fan_out"]:
    return dy.sum(axis=1)  # BUG bias_grad FIX: return dy.sum(axis=0)


def dense_input_grad(
    dy: Float[np.ndarray, "batch fan_out"], w: Float[np.ndarray, "fan_out fan_in"]
) -> Float[np.ndarray, "batch fan_in"]:
    return dy @ w.T  # BUG input_grad FIX: return dy @ w


def two_layer(
    x: Float[np.ndarray, "batch 784"],
    w1: Float[np.ndarray, "256 784"],
    w2: Float[np.ndarray, "10 256"],
) -> Float[np.ndarray, "batch 10"]:
    h = np.maximum(x @ w1.T, 0.0)
    return h @ w2  # BUG two_layer FIX: return h @ w2.T


def hidden_then_logits(
    x: Float[np.ndarray, "n 784"], w1: Float[np.ndarray, "784 128"], w2: Float[np.ndarray, "128 10"]
) -> Float[np.ndarray, "n 10"]:
    hidden: Float[np.ndarray, "n 128"] = np.tanh(x @ w1)
    logits: Float[np.ndarray, "n 10"] = hidden @ w2.T  # BUG logits FIX: logits: Float[np.ndarray, "n 10"] = hidden @ w2
    return logits


def sgd_update(
    w: Float[np.ndarray, "o i"], dw: Float[np.ndarray, "i o"], lr: float
) -> Float[np.ndarray, "o i"]:
    return w - lr * dw  # BUG sgd FIX: return w - lr * dw.T


def l2_penalty_grad(w: Float[np.ndarray, "o i"], dw: Float[np.ndarray, "o i"], decay: float) -> Float[np.ndarray, "o i"]:
    return dw + decay * w.T  # BUG l2 FIX: return dw + decay * w
