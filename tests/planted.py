"""Planted kernel bugs shared by the gradient checker's tests and the exact proofs' tests: copies of the
shipped kernels, each wrong in one way, that both verifiers must catch."""

from typing import Any

import numpy as np

from verified_nn.layers import Dense, MaxPool2D, ReLU

Array = np.ndarray[Any, Any]


class TransposedDense(Dense[Any, Any]):
    def _gradients(self, dy: Array, inputs: Array) -> Any:
        # The weight gradient's numbers read in the transposed layout.
        d_weights = (inputs.T @ dy).T
        return Dense.trusted(d_weights.T.reshape(d_weights.shape), dy.sum(axis=0))


class NoBiasDense(Dense[Any, Any]):
    def _gradients(self, dy: Array, inputs: Array) -> Any:
        return Dense.trusted((inputs.T @ dy).T, np.zeros(dy.shape[1], dtype=dy.dtype))


class SignDense(Dense[Any, Any]):
    def _gradients(self, dy: Array, inputs: Array) -> Any:
        return Dense.trusted(-(inputs.T @ dy).T, dy.sum(axis=0))


class ReLUWrongForNegatives(ReLU):
    def backward(self, dy: Any, cache: Any) -> Any:
        return dy * 1.0, self  # derivative 1 (not 0) for negative inputs


class ReLUWrongAtZero(ReLU):
    """Right on both sides, but the backward pass gives 2 dy at exactly 0 (outside [0, 1])."""

    def backward(self, dy: Any, cache: Any) -> Any:
        x, _ = cache
        return dy * np.where(x >= 0, np.where(x > 0, 1, 2), 0), self


class ReLUJumpAtZero(ReLU):
    """Right on both sides, but the forward pass gives 1 at exactly 0 (not continuous)."""

    def function(self, x: Any) -> Any:
        return np.where(x > 0, x, np.where(x >= 0, 1, 0))


class MaxPoolEveryTie(MaxPool2D[Any]):
    """Sends dy to every input equal to its window's maximum (2x2 windows side by side): right without ties,
    but a tie then gets the gradient twice. (On exact symbols, equal means the very same symbol.)"""

    def forward(self, x: Any, *, mode: Any = None) -> Any:
        y, _ = MaxPool2D.forward(self, x)
        return y, (x, y)

    def backward(self, dy: Any, cache: Any) -> Any:
        x, y = cache
        dx = np.zeros_like(x)
        for i in range(2):
            for j in range(2):
                dx[:, :, i::2, j::2] = np.where(np.equal(x[:, :, i::2, j::2], y), dy, 0 * dy)
        return dx, self
