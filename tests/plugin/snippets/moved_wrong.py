"""Axes moved, and sizes only the values decide: mistakes numpy's stubs let through (they say these keep
their argument's shape)."""

from typing import Literal, TypeVar

import numpy as np

B = TypeVar("B", bound=int)
F64 = np.dtype[np.float64]


def moved(
    image: np.ndarray[tuple[Literal[32], Literal[24], Literal[3]], F64],
    w: np.ndarray[tuple[Literal[2], Literal[5]], F64],
    v: np.ndarray[tuple[Literal[100]], F64],
) -> None:
    chw = np.moveaxis(image, -1, 0)
    chw + image  # E: [shape] add: sizes differ and neither is 1: 24 (chw: (3, 32, 24)) and 3 (image: (32, 24, 3))
    np.moveaxis(image, 3, 0)  # E: [shape] moveaxis: axis 3 is out of range for rank 3 (image: (32, 24, 3))
    np.moveaxis(image, (0, 1), 0)  # E: [shape] moveaxis: source and destination must have the same number of axes (image: (32, 24, 3))
    np.rollaxis(image, 0, 4)  # E: [shape] rollaxis: start 4 is out of range for rank 3 (image: (32, 24, 3))
    np.rot90(w) @ np.ones((5, 7))  # E: [shape] matmul: inner sizes differ: 2 (np.rot90(...): (5, 2)) and 5 (np.ones(...): (5, 7))
    np.rot90(w, 1, (0, 2))  # E: [shape] rot90: axis 2 is out of range for rank 2 (w: (2, 5))
    np.permute_dims(image, (2, 0))  # E: [shape] permute_dims: axes (2, 0) do not match rank 3 (image: (32, 24, 3))
    np.matrix_transpose(v)  # E: [shape] matrix_transpose: needs at least 2 axes, not 1 (v: (100,))
    np.append(w, np.ones((2, 1)), axis=0)  # E: [shape] append: sizes differ at axis 1: 5 (w: (2, 5)) and 1 (np.ones(...): (2, 1))
    np.insert(w, 1, 0.0, axis=2)  # E: [shape] insert: axis 2 is out of range for rank 2 (w: (2, 5))
    np.delete(w, 0, axis=-3)  # E: [shape] delete: axis -3 is out of range for rank 2 (w: (2, 5))
    np.array_split(w, 3, axis=2)  # E: [shape] array_split: axis 2 is out of range for rank 2 (w: (2, 5))
    np.hsplit(w, 5)[0] + np.ones((3, 1))  # E: [shape] add: sizes differ and neither is 1: 2 (np.hsplit(...)[...]: (2, ?)) and 3 (np.ones(...): (3, 1))
    np.hsplit(np.zeros(()), 2)  # E: [shape] hsplit: needs at least 1 axis, not 0 (np.zeros(...): ())
    np.vsplit(v, 2)  # E: [shape] vsplit: needs at least 2 axes, not 1 (v: (100,))
    np.dsplit(w, 2)  # E: [shape] dsplit: needs at least 3 axes, not 2 (w: (2, 5))
    np.flip(w, axis=2)  # E: [shape] flip: axis 2 is out of range for rank 2 (w: (2, 5))
    np.flip(w, (0, 2))  # E: [shape] flip: axis 2 is out of range for rank 2 (w: (2, 5))
    np.roll(w, 1, -3)  # E: [shape] roll: axis -3 is out of range for rank 2 (w: (2, 5))
    np.roll(w, 1, axis=(0, 2))  # E: [shape] roll: axis 2 is out of range for rank 2 (w: (2, 5))


def transforms(
    signal: np.ndarray[tuple[Literal[64]], F64],
    image: np.ndarray[tuple[Literal[28], Literal[28]], F64],
) -> None:
    np.fft.rfft(signal) * np.ones(64)  # E: [shape] multiply: sizes differ and neither is 1: 33 (np.fft.rfft(...): (33,)) and 64 (np.ones(...): (64,))
    np.fft.fft(signal, axis=1)  # E: [shape] fft: axis 1 is out of range for rank 1 (signal: (64,))
    np.fft.ifft(signal, axis=-2)  # E: [shape] ifft: axis -2 is out of range for rank 1 (signal: (64,))
    np.fft.rfft(signal, axis=2)  # E: [shape] rfft: axis 2 is out of range for rank 1 (signal: (64,))
    np.fft.irfft(signal, axis=2)  # E: [shape] irfft: axis 2 is out of range for rank 1 (signal: (64,))
    np.fft.hfft(signal, axis=2)  # E: [shape] hfft: axis 2 is out of range for rank 1 (signal: (64,))
    np.fft.ihfft(signal, axis=2)  # E: [shape] ihfft: axis 2 is out of range for rank 1 (signal: (64,))
    np.fft.fft2(signal)  # E: [shape] fft2: axis -2 is out of range for rank 1 (signal: (64,))
    np.fft.ifft2(signal)  # E: [shape] ifft2: axis -2 is out of range for rank 1 (signal: (64,))
    np.fft.rfft2(signal)  # E: [shape] rfft2: axis -2 is out of range for rank 1 (signal: (64,))
    np.fft.irfft2(signal)  # E: [shape] irfft2: axis -2 is out of range for rank 1 (signal: (64,))
    np.fft.fftn(image, axes=(0, 2))  # E: [shape] fftn: axis 2 is out of range for rank 2 (image: (28, 28))
    np.fft.ifftn(image, axes=(3,))  # E: [shape] ifftn: axis 3 is out of range for rank 2 (image: (28, 28))
    np.fft.rfftn(image, axes=(0, 2))  # E: [shape] rfftn: axis 2 is out of range for rank 2 (image: (28, 28))
    np.fft.irfftn(image, axes=(0, 2))  # E: [shape] irfftn: axis 2 is out of range for rank 2 (image: (28, 28))
