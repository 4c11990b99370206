"""Backward passes of a user's layers, typed with the library's aliases and ``Floating`` dims."""

import numpy as np

from verified_nn.core import Floating, ImageBatch, LogitsBatch, relu_derivative


def output_weight_grad(
    dlogits: LogitsBatch, hidden: Floating[np.ndarray, "batch 128"]
) -> Floating[np.ndarray, "10 128"]:
    return hidden.T @ dlogits  # BUG w_out FIX: return dlogits.T @ hidden


def output_bias_grad(dlogits: LogitsBatch) -> Floating[np.ndarray, " 10"]:
    return dlogits.sum(axis=1)  # BUG b_out FIX: return dlogits.sum(axis=0)


def hidden_grad(dlogits: LogitsBatch, w_out: Floating[np.ndarray, "10 128"]) -> Floating[np.ndarray, "batch 128"]:
    return dlogits @ w_out.T  # BUG dh FIX: return dlogits @ w_out


def pre_activation_grad(
    dh: Floating[np.ndarray, "batch 128"], pre: Floating[np.ndarray, "batch 128"]
) -> Floating[np.ndarray, "batch 128"]:
    return dh * relu_derivative(pre.T)  # BUG relu_back FIX: return dh * relu_derivative(pre)


def input_weight_grad(
    dpre: Floating[np.ndarray, "batch 128"], x: ImageBatch
) -> Floating[np.ndarray, "128 784"]:
    return x.T @ dpre  # BUG w_in FIX: return dpre.T @ x


def sgd_step(
    w: Floating[np.ndarray, "128 784"], dw: Floating[np.ndarray, "784 128"], rate: float
) -> Floating[np.ndarray, "128 784"]:
    return w - rate * dw  # BUG step FIX: return w - rate * dw.T


def momentum_step(
    velocity: Floating[np.ndarray, "10 128"], dw: Floating[np.ndarray, "10 128"], mu: float
) -> Floating[np.ndarray, "10 128"]:
    return mu * velocity.T + dw  # BUG velocity FIX: return mu * velocity + dw


def input_grad_image(
    dpre: Floating[np.ndarray, "batch 128"], w_in: Floating[np.ndarray, "128 784"]
) -> ImageBatch:
    return dpre @ w_in.T  # BUG dx FIX: return dpre @ w_in
