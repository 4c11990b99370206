"""Attention, normalisation and convolution-style kernels annotated with jaxtyping dims."""

import numpy as np
from jaxtyping import Float, Int
from numpy.lib.stride_tricks import sliding_window_view


def attention_scores(q: Float[np.ndarray, "t d"], k: Float[np.ndarray, "s d"]) -> Float[np.ndarray, "t s"]:
    return q @ k / np.sqrt(q.shape[1])  # BUG scores FIX: return q @ k.T / np.sqrt(q.shape[1])


def attention_scores_einsum(q: Float[np.ndarray, "t d"], k: Float[np.ndarray, "s d"]) -> Float[np.ndarray, "t s"]:
    return np.einsum("td,sd->st", q, k)  # BUG einsum_out FIX: return np.einsum("td,sd->ts", q, k)


def attend(weights: Float[np.ndarray, "t s"], v: Float[np.ndarray, "s d"]) -> Float[np.ndarray, "t d"]:
    return weights.T @ v  # BUG attend FIX: return weights @ v


def batched_attend(
    weights: Float[np.ndarray, "b t s"], v: Float[np.ndarray, "b s d"]
) -> Float[np.ndarray, "b t d"]:
    return np.einsum("bts,btd->bsd", weights, v)  # BUG batched FIX: return np.einsum("bts,bsd->btd", weights, v)


def layer_norm(x: Float[np.ndarray, "b f"], gamma: Float[np.ndarray, " f"]) -> Float[np.ndarray, "b f"]:
    mean = x.mean(axis=1)  # FIX layer_norm: mean = x.mean(axis=1, keepdims=True)
    centred = x - mean  # BUG layer_norm
    return centred / np.sqrt((centred**2).mean(axis=1, keepdims=True) + 1e-5) * gamma


def batch_norm(x: Float[np.ndarray, "b f"], gamma: Float[np.ndarray, " f"]) -> Float[np.ndarray, "b f"]:
    mean = x.mean(axis=0)
    var = x.var(axis=0)
    return (x - mean) / np.sqrt(var + 1e-5) * gamma[:, None]  # BUG batch_norm FIX: return (x - mean) / np.sqrt(var + 1e-5) * gamma


def channel_norm(x: Float[np.ndarray, "b c h w"]) -> Float[np.ndarray, "b c h w"]:
    mean = x.mean(axis=(0, 2, 3), keepdims=True)
    scale: Float[np.ndarray, "1 c 1 1"] = x.std(axis=(0, 1, 3), keepdims=True)  # BUG channel_std FIX: scale: Float[np.ndarray, "1 c 1 1"] = x.std(axis=(0, 2, 3), keepdims=True)
    return (x - mean) / (scale + 1e-5)


def conv1d(x: Float[np.ndarray, "b n"], kernel: Float[np.ndarray, " 3"]) -> Float[np.ndarray, "b m"]:
    windows = sliding_window_view(x, 3, axis=1)
    return windows @ kernel[:, None]  # BUG conv1d FIX: return windows @ kernel


def conv2d_single(image: Float[np.ndarray, "28 28"], kernel: Float[np.ndarray, "5 5"]) -> Float[np.ndarray, "24 24"]:
    windows = sliding_window_view(image, (5, 5))
    return np.einsum("ijkl,kl->ij", windows, kernel.T.reshape(25))  # BUG conv2d FIX: return np.einsum("ijkl,kl->ij", windows, kernel)


def max_pool(x: Float[np.ndarray, "b c 28 28"]) -> Float[np.ndarray, "b c 14 14"]:
    return x.reshape(x.shape[0], x.shape[1], 14, 2, 14, 2).max(axis=(2, 4))  # BUG pool_axes FIX: return x.reshape(x.shape[0], x.shape[1], 14, 2, 14, 2).max(axis=(3, 5))


def flatten_maps(x: Float[np.ndarray, "b 8 12 12"]) -> Float[np.ndarray, "b 1152"]:
    return x.reshape(x.shape[0], 8 * 12 * 14)  # BUG flatten FIX: return x.reshape(x.shape[0], 8 * 12 * 12)


def gather_embeddings(table: Float[np.ndarray, "v d"], ids: Int[np.ndarray, " n"]) -> Float[np.ndarray, "n d"]:
    return table[:, ids]  # BUG gather FIX: return table[ids]


def positional(x: Float[np.ndarray, "t d"], pos: Float[np.ndarray, "d t"]) -> Float[np.ndarray, "t d"]:
    return x + pos  # BUG positional FIX: return x + pos.T


def squeeze_scores(scores: Float[np.ndarray, "b 1"]) -> Float[np.ndarray, " b"]:
    return scores.squeeze(axis=0)  # BUG squeeze FIX: return scores.squeeze(axis=1)


def broadcast_column(x: Float[np.ndarray, "b 1"], y: Float[np.ndarray, " b"]) -> Float[np.ndarray, " b"]:
    return (x - y).sum(axis=1)  # BUG column FIX: return x[:, 0] - y
