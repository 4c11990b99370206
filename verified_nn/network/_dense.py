"""A dense (fully connected) layer ``y = x W^T + b`` with weights ``(out, in)`` and bias ``(out,)``."""

import dataclasses
from typing import Any, Generic, NamedTuple, TypeAlias, TypeVar

import numpy as np

from verified_nn.core import FloatDType, Floating, ShapeError, checked_dataclass

Out = TypeVar("Out", bound=int)
In = TypeVar("In", bound=int)

Array: TypeAlias = np.ndarray[Any, Any]


def _read_only(array: Array) -> Array:
    # A read-only view: the caller's array keeps its flags, ours cannot be written through.
    view = array.view()
    view.flags.writeable = False
    return view


@checked_dataclass
@dataclasses.dataclass(frozen=True)
class Dense(Generic[Out, In]):
    """Parameters of one dense layer; frozen, and its arrays are read-only views.

    Weights are stored in column-major (Fortran) order; their logical shape is ``(out, in)`` either way.
    """

    weights: Floating[np.ndarray[tuple[Out, In], FloatDType], "out in"]
    bias: Floating[np.ndarray[tuple[Out], FloatDType], " out"]

    def __post_init__(self) -> None:
        if self.weights.dtype != self.bias.dtype:
            raise ShapeError(
                f"Dense: weights and bias must share a dtype, got {self.weights.dtype} and {self.bias.dtype}"
            )
        # Column-major storage: ``x @ W^T`` and the gradient ``(x^T d)^T`` are both faster in this
        # layout (benchmarks/step.py), and the optimizer then updates arrays of one layout.
        object.__setattr__(self, "weights", _read_only(np.asfortranarray(self.weights)))
        object.__setattr__(self, "bias", _read_only(self.bias))

    @classmethod
    def trusted(cls, weights: Array, bias: Array) -> "Dense[Any, Any]":
        """Build from arrays our own checked code produced, skipping the runtime checks (hot path)."""
        layer: Dense[Any, Any] = object.__new__(cls)
        # Keep the layout invariant here too (a no-op for our own column-major results): BLAS rounds
        # differently per layout, and a resumed run must repeat an unbroken one bit for bit.
        object.__setattr__(layer, "weights", _read_only(np.asfortranarray(weights)))
        object.__setattr__(layer, "bias", _read_only(bias))
        return layer

    @property
    def shape(self) -> tuple[int, int]:
        """``(out, in)``."""
        return (self.weights.shape[0], self.weights.shape[1])


class DenseCache(NamedTuple):
    """What the backward pass of a dense layer needs from its forward pass (a tuple: cheap to build)."""

    inputs: Array  # (batch, in)
    weights: Array  # (out, in)


def dense_forward(layer: Dense[Any, Any], inputs: Array) -> tuple[Array, DenseCache]:
    """``(batch, in) -> (batch, out)``: ``inputs @ W^T + b``, and the cache for :func:`dense_backward`.

    Unchecked kernel: the checked entry points (``MLP`` methods, ``loss_and_gradients``) validate shapes.
    """
    weights = layer.weights
    outputs = inputs.astype(weights.dtype, copy=False) @ weights.T  # (batch, out)
    outputs += layer.bias
    return outputs, DenseCache(inputs=inputs, weights=weights)


def dense_backward(
    d_outputs: Array, cache: DenseCache, *, input_gradient: bool = True
) -> tuple[Array | None, Array, Array]:
    """Gradients of a dense layer from the upstream gradient ``d_outputs`` of shape (batch, out).

    Returns ``(dx, dw, db)`` with shapes (batch, in), (out, in), (out,): ``dx = d W``, ``dw = d^T x``,
    ``db = sum_batch d``. ``dx`` is None when ``input_gradient`` is False (the first layer needs none).
    """
    inputs = cache.inputs.astype(d_outputs.dtype, copy=False)
    d_weights = (inputs.T @ d_outputs).T  # (out, in), column-major like the stored weights
    d_bias = d_outputs.sum(axis=0)  # (out,)
    d_inputs = d_outputs @ cache.weights if input_gradient else None  # (batch, in)
    return d_inputs, d_weights, d_bias
