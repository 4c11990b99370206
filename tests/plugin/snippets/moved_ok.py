"""Axes moved, and sizes only the values decide: numpy's stubs say these keep their argument's shape, which
is wrong for them (with fixed sizes, correct code was rejected and mistakes passed)."""

from typing import Any, Literal, TypeVar, assert_type

import numpy as np

B = TypeVar("B", bound=int)
F64 = np.dtype[np.float64]


def moved(
    image: np.ndarray[tuple[Literal[32], Literal[24], Literal[3]], F64],
    x: np.ndarray[tuple[B, Literal[10]], F64],
    w: np.ndarray[tuple[Literal[2], Literal[5]], F64],
    square: np.ndarray[tuple[Literal[4], Literal[4]], F64],
    k: int,
) -> None:
    chw = np.moveaxis(image, -1, 0)
    assert_type(chw.shape, tuple[Literal[3], Literal[32], Literal[24]])
    chw + np.zeros((3, 32, 24))
    assert_type(np.moveaxis(image, (0, 1), (-1, -2)).shape, tuple[Literal[3], Literal[24], Literal[32]])
    assert_type(np.moveaxis(image, k, 0).shape, tuple[Any, Any, Any])
    assert_type(np.rollaxis(image, 2).shape, tuple[Literal[3], Literal[32], Literal[24]])
    assert_type(np.rollaxis(image, 0, 3).shape, tuple[Literal[24], Literal[3], Literal[32]])
    rot = np.rot90(w)
    assert_type(rot.shape, tuple[Literal[5], Literal[2]])
    rot @ np.ones((2, 7))
    assert_type(np.rot90(w, 2).shape, tuple[Literal[2], Literal[5]])
    assert_type(np.rot90(w, k).shape, tuple[Any, Any])
    assert_type(np.rot90(square, k).shape, tuple[Literal[4], Literal[4]])
    assert_type(np.rot90(image, 1, (1, 2)).shape, tuple[Literal[32], Literal[3], Literal[24]])
    assert_type(np.matrix_transpose(image).shape, tuple[Literal[32], Literal[3], Literal[24]])
    assert_type(np.linalg.matrix_transpose(image).shape, tuple[Literal[32], Literal[3], Literal[24]])
    assert_type(np.permute_dims(image, (2, 0, 1)).shape, tuple[Literal[3], Literal[32], Literal[24]])
    assert_type(np.append(x, np.ones((1, 10)), axis=0).shape, tuple[Any, Literal[10]])
    assert_type(np.append(w, np.ones((2, 1)), axis=1).shape, tuple[Literal[2], Literal[6]])
    assert_type(np.append(w, 1.0).shape, tuple[Any])
    assert_type(np.insert(w, 1, 0.0, axis=1).shape, tuple[Literal[2], Any])
    assert_type(np.delete(w, [0, 1], axis=0).shape, tuple[Any, Literal[5]])
    assert_type(np.delete(w, 0).shape, tuple[Any])
    assert_type(np.array_split(w, 3, axis=1)[0].shape, tuple[Literal[2], Any])
    assert_type(np.hsplit(w, 2)[0].shape, tuple[Literal[2], Any])
    assert_type(np.vsplit(w, 2)[0].shape, tuple[Any, Literal[5]])
    assert_type(np.dsplit(image, 3)[0].shape, tuple[Literal[32], Literal[24], Any])


def transforms(
    signal: np.ndarray[tuple[Literal[64]], F64],
    frames: np.ndarray[tuple[B, Literal[64]], F64],
    spectrum: np.ndarray[tuple[Literal[33]], np.dtype[np.complex128]],
    image: np.ndarray[tuple[Literal[28], Literal[28]], F64],
) -> None:
    assert_type(np.fft.fft(signal).shape, tuple[Literal[64]])
    assert_type(np.fft.fft(signal, n=128).shape, tuple[Literal[128]])
    assert_type(np.fft.ifft(frames, 16, axis=0).shape, tuple[Literal[16], Literal[64]])
    rfft = np.fft.rfft(signal)
    assert_type(rfft.shape, tuple[Literal[33]])
    rfft * np.ones(33)
    assert_type(np.fft.rfft(frames, axis=1).shape, tuple[B, Literal[33]])
    assert_type(np.fft.irfft(spectrum).shape, tuple[Literal[64]])
    assert_type(np.fft.hfft(spectrum, 10).shape, tuple[Literal[10]])
    assert_type(np.fft.ihfft(signal).shape, tuple[Literal[33]])
    assert_type(np.fft.fft2(image).shape, tuple[Literal[28], Literal[28]])
    assert_type(np.fft.rfft2(image).shape, tuple[Literal[28], Literal[15]])
    assert_type(np.fft.rfftn(image).shape, tuple[Literal[28], Literal[15]])
    assert_type(np.fft.irfft2(np.fft.rfft2(image)).shape, tuple[Literal[28], Literal[28]])
    assert_type(np.fft.fftn(image, s=(8, 8)).shape, tuple[Any, Any])
    assert_type(np.fft.ifftn(image).shape, tuple[Literal[28], Literal[28]])
    assert_type(np.fft.ifft2(image).shape, tuple[Literal[28], Literal[28]])
    assert_type(np.fft.irfftn(np.fft.rfftn(image)).shape, tuple[Literal[28], Literal[28]])
