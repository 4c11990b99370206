"""Image filters written the way jaxtyping users write numpy code."""

import numpy as np
from jaxtyping import Float

Image = Float[np.ndarray, "h w"]


def normalise(image: Image) -> Image:
    """Scale each image to zero mean and unit variance."""
    return (image - image.mean()) / (image.std() + 1e-8)


def box_blur(image: Float[np.ndarray, "h w"], size: int) -> Float[np.ndarray, "h w"]:
    """Mean of each pixel's ``size x size`` neighbourhood (edges padded by reflection)."""
    pad = size // 2
    padded = np.pad(image, pad, mode="reflect")
    windows = np.lib.stride_tricks.sliding_window_view(padded, (size, size))
    blurred: Float[np.ndarray, "h w"] = windows.mean(axis=(2, 3))
    return blurred


def gram(features: Float[np.ndarray, "c n"]) -> Float[np.ndarray, "c c"]:
    """Channel correlations (style features)."""
    return features @ features.T / features.shape[1]


def batch_means(images: Float[np.ndarray, "b h w"]) -> Float[np.ndarray, " b"]:
    return images.mean(axis=(1, 2))
