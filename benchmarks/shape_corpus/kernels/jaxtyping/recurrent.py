"""A recurrent cell, an autoencoder and a few data steps annotated with jaxtyping dims."""

import numpy as np
from jaxtyping import Bool, Float, Int


def rnn_step(
    h: Float[np.ndarray, "b hid"],
    x: Float[np.ndarray, "b inp"],
    w_h: Float[np.ndarray, "hid hid"],
    w_x: Float[np.ndarray, "hid inp"],
) -> Float[np.ndarray, "b hid"]:
    return np.tanh(h @ w_h.T + x @ w_x)  # BUG rnn FIX: return np.tanh(h @ w_h.T + x @ w_x.T)


def gru_gate(
    h: Float[np.ndarray, "b hid"], x: Float[np.ndarray, "b inp"], w: Float[np.ndarray, "hid inp"]
) -> Float[np.ndarray, "b hid"]:
    z = 1.0 / (1.0 + np.exp(-(x @ w.T)))
    return z * h + (1.0 - z) * x  # BUG gru FIX: return z * h + (1.0 - z) * np.tanh(x @ w.T)


def encode(x: Float[np.ndarray, "b 784"], w: Float[np.ndarray, "32 784"]) -> Float[np.ndarray, "b 32"]:
    return np.tanh(x @ w.T)


def decode(z: Float[np.ndarray, "b 32"], w: Float[np.ndarray, "32 784"]) -> Float[np.ndarray, "b 784"]:
    return z @ w.T  # BUG decode FIX: return z @ w


def reconstruction_error(x: Float[np.ndarray, "b 784"], w: Float[np.ndarray, "32 784"]) -> Float[np.ndarray, " b"]:
    err = decode(encode(x, w), w) - x
    return (err**2).sum(axis=0)  # BUG recon FIX: return (err**2).sum(axis=1)


def masked_mean(x: Float[np.ndarray, "b t"], mask: Bool[np.ndarray, "b t"]) -> Float[np.ndarray, " b"]:
    return (x * mask).sum(axis=1) / mask.sum(axis=0)  # BUG masked FIX: return (x * mask).sum(axis=1) / mask.sum(axis=1)


def time_major(x: Float[np.ndarray, "b t f"]) -> Float[np.ndarray, "t b f"]:
    return x.transpose(1, 2, 0)  # BUG time_major FIX: return x.transpose(1, 0, 2)


def last_step(hs: Float[np.ndarray, "t b hid"]) -> Float[np.ndarray, "b hid"]:
    return hs[:, -1]  # BUG last FIX: return hs[-1]


def sequence_logits(hs: Float[np.ndarray, "t b hid"], w: Float[np.ndarray, "c hid"]) -> Float[np.ndarray, "t b c"]:
    return np.einsum("tbh,ch->tbh", hs, w)  # BUG seq_logits FIX: return np.einsum("tbh,ch->tbc", hs, w)


def stack_steps(h1: Float[np.ndarray, "b hid"], h2: Float[np.ndarray, "b hid"]) -> Float[np.ndarray, "2 b hid"]:
    return np.stack([h1, h2], axis=1)  # BUG stack FIX: return np.stack([h1, h2], axis=0)


def class_weights(labels: Int[np.ndarray, " b"], weights: Float[np.ndarray, " c"]) -> Float[np.ndarray, " b"]:
    return weights[labels][:, None]  # BUG class_w FIX: return weights[labels]


def pairwise_distances(a: Float[np.ndarray, "n d"], b: Float[np.ndarray, "m d"]) -> Float[np.ndarray, "n m"]:
    return ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=1)  # BUG pairwise FIX: return ((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2)


def cosine(a: Float[np.ndarray, "n d"], b: Float[np.ndarray, "n d"]) -> Float[np.ndarray, " n"]:
    dots = (a * b).sum(axis=1)
    return dots / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=0))  # BUG cosine FIX: return dots / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
