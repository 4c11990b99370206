"""The float forward pass whose rounding the bound covers, with every intermediate array kept."""

import dataclasses
from typing import Any

import numpy as np

from ._errors import FloatCheckError
from ._network import Array, DenseNetwork, Nonlinearity


@dataclasses.dataclass(frozen=True)
class FloatPass:
    """The float values of one forward pass of a batch, all in the network's dtype.

    For dense layer ``k``: ``pre_activations[k] = fl(fl(a_{k-1} W_k^T) + b_k)`` with ``a_{-1} = inputs``,
    and ``activations[k] = fl(act_k(pre_activations[k]))`` for every layer but the last, whose
    pre-activations are the logits.
    """

    inputs: Array  # (batch, in): the input as the float network sees it (already in the network's dtype)
    pre_activations: tuple[Array, ...]  # (batch, width_k) for every dense layer; the last are the logits
    activations: tuple[Array, ...]  # (batch, width_k) after every dense layer but the last

    @property
    def logits(self) -> Array:
        """``(batch, classes)``."""
        return self.pre_activations[-1]

    def layer_inputs(self, layer: int) -> Array:
        """The float input of dense layer ``layer``: the images for the first, else the previous activations."""
        return self.inputs if layer == 0 else self.activations[layer - 1]


def _apply(nonlinearity: Nonlinearity, z: Array) -> Array:
    if nonlinearity.kind == "relu":
        result: Array = np.maximum(z, 0)
        return result
    if nonlinearity.kind == "leaky_relu":
        return np.where(z > 0, z, z * nonlinearity.slope)
    return np.tanh(z)


def plain_forward(network: DenseNetwork, inputs: Array) -> FloatPass:
    """The forward pass written plainly in numpy: ``z = a @ W.T; z += b``; ``a = act(z)``.

    The same formulas as the library's dense layer; used for networks that do not come from the library
    (tanh networks, deeper ones) until the library builds them.
    """
    pre: list[Array] = []
    post: list[Array] = []
    current = inputs
    for index, affine in enumerate(network.affines):
        z = current @ affine.weights.T  # (batch, out)
        z += affine.bias
        pre.append(z)
        if index < len(network.nonlinearities):
            current = _apply(network.nonlinearities[index], z)
            post.append(current)
    return FloatPass(inputs=inputs, pre_activations=tuple(pre), activations=tuple(post))


def _check_pass(network: DenseNetwork, result: FloatPass, batch: int) -> None:
    widths = network.widths
    arrays = [("inputs", result.inputs, widths[0])]
    arrays += [(f"layer {k + 1} output", z, widths[k + 1]) for k, z in enumerate(result.pre_activations)]
    arrays += [(f"activation {k + 1}", a, widths[k + 1]) for k, a in enumerate(result.activations)]
    if len(result.pre_activations) != len(network.affines) or len(result.activations) != len(network.nonlinearities):
        raise FloatCheckError("the float pass does not have one output per layer")
    for name, array, width in arrays:
        if array.dtype != network.dtype or array.shape != (batch, width):
            raise FloatCheckError(
                f"float pass: {name} is {array.dtype}{list(array.shape)}, expected {network.dtype}[{batch}, {width}]"
            )


def run_float_pass(network: DenseNetwork, inputs: Array) -> FloatPass:
    """Run ``network``'s float forward pass on ``inputs`` (batch, in) and check what it returns.

    The inputs are converted to the network's dtype first (as the library's dense layer does); every
    array of the pass must then be in that dtype, with the widths of the network.
    """
    array: np.ndarray[Any, Any] = np.asarray(inputs)
    if array.ndim != 2 or array.shape[1] != network.widths[0]:
        raise FloatCheckError(f"inputs must have shape (batch, {network.widths[0]}), got {array.shape}")
    if array.dtype.kind != "f":
        raise FloatCheckError(f"inputs must be floats, got {array.dtype}")
    array = array.astype(network.dtype, copy=False)
    if not np.isfinite(array).all():
        raise FloatCheckError("inputs must be finite")
    result = (network.forward or (lambda x: plain_forward(network, x)))(array)
    _check_pass(network, result, array.shape[0])
    return result
