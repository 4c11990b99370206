"""Softmax, log-softmax and cross-entropy over the class axis of a batch of logits."""

import numpy as np
from jaxtyping import Float, Int


def softmax(z: Float[np.ndarray, "b c"]) -> Float[np.ndarray, "b c"]:
    shifted = z - z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1)  # BUG keepdims FIX: return e / e.sum(axis=1, keepdims=True)


def softmax_stable(z: Float[np.ndarray, "b c"]) -> Float[np.ndarray, "b c"]:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    total: Float[np.ndarray, "b 1"] = e.sum(axis=0, keepdims=True)  # BUG over_batch FIX: total: Float[np.ndarray, "b 1"] = e.sum(axis=1, keepdims=True)
    return e / total


def log_softmax(z: Float[np.ndarray, "b c"]) -> Float[np.ndarray, "b c"]:
    m = z.max(axis=0, keepdims=True)  # FIX log_softmax: m = z.max(axis=1, keepdims=True)
    lse: Float[np.ndarray, "b 1"] = m + np.log(np.exp(z - m).sum(axis=1, keepdims=True))  # BUG log_softmax
    return z - lse


def logsumexp(z: Float[np.ndarray, "b c"]) -> Float[np.ndarray, " b"]:
    m = z.max(axis=1, keepdims=True)
    return (m + np.log(np.exp(z - m).sum(axis=1, keepdims=True)))[0]  # BUG lse FIX: return (m + np.log(np.exp(z - m).sum(axis=1, keepdims=True)))[:, 0]


def nll(log_probs: Float[np.ndarray, "b c"], labels: Int[np.ndarray, " b"]) -> Float[np.ndarray, " b"]:
    rows = np.arange(log_probs.shape[0])
    return -log_probs[:, labels]  # BUG nll FIX: return -log_probs[rows, labels]


def cross_entropy_grad(
    probs: Float[np.ndarray, "b c"], onehot: Float[np.ndarray, "b c"]
) -> Float[np.ndarray, "b c"]:
    return (probs - onehot).T / probs.shape[0]  # BUG ce_grad FIX: return (probs - onehot) / probs.shape[0]


def onehot(labels: Int[np.ndarray, " b"], eye: Float[np.ndarray, "c c"]) -> Float[np.ndarray, "b c"]:
    return eye[:, labels]  # BUG onehot FIX: return eye[labels]


def accuracy_hits(probs: Float[np.ndarray, "b c"], labels: Int[np.ndarray, " b"]) -> Float[np.ndarray, " b"]:
    predicted = probs.argmax(axis=0)  # FIX argmax: predicted = probs.argmax(axis=1)
    return (predicted == labels).astype(np.float64)  # BUG argmax
