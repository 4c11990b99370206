"""Planted kernel bugs shared by the gradient checker's tests and the exact proofs' tests: copies of the
shipped kernels, each wrong in one way, that both verifiers must catch."""

from typing import Any

import numpy as np

from verified_nn.layers import Dense, ReLU

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
