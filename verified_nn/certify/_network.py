"""The networks certify reasons about: dense layers with a ReLU-family activation between each pair.

This is certify's own small representation, independent of how ``verified_nn.network`` builds models;
``_adapter.py`` converts a model into it. Its :meth:`DenseNetwork.logits` repeats the deployed forward
pass operation for operation (``x @ W.T``, ``+= b``, ``maximum(z, 0)`` or ``where(z > 0, z, z * slope)``
in the parameters' dtype), so a counterexample re-checked by it is re-checked by the model's arithmetic.
"""

import dataclasses
import functools
from typing import Any, TypeAlias

import numpy as np

from verified_nn.core import FloatDType, Floating, LabelBatch, checked

from ._errors import CertifyError

Array: TypeAlias = np.ndarray[Any, Any]
Inputs: TypeAlias = Floating[np.ndarray[tuple[int, int], FloatDType], "batch inputs"]
Outputs: TypeAlias = Floating[np.ndarray[tuple[int, int], FloatDType], "batch outputs"]


@dataclasses.dataclass(frozen=True)
class DenseNetwork:
    """``z_0 = W_0 x + b_0``, ``z_i = W_i act_i(z_{i-1}) + b_i``; the last ``z`` are the logits.

    ``act_i`` is ReLU where ``slopes[i-1] == 0`` and leaky ReLU with that negative-side slope otherwise.
    Weights are ``(out, in)``, biases ``(out,)``, all of one dtype (float32 or float64), read-only.
    """

    weights: tuple[Array, ...]  # one (out, in) matrix per dense layer
    biases: tuple[Array, ...]  # one (out,) vector per dense layer
    slopes: tuple[float, ...]  # one per activation, between consecutive dense layers; 0 means ReLU

    def __post_init__(self) -> None:
        if not self.weights or len(self.biases) != len(self.weights):
            raise CertifyError("a network needs at least one dense layer and one bias per layer")
        if len(self.slopes) != len(self.weights) - 1:
            raise CertifyError(f"{len(self.weights)} dense layers need {len(self.weights) - 1} activations")
        dtype = self.weights[0].dtype
        if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise CertifyError(f"certify handles float32 and float64 networks, got {dtype}")
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            if w.ndim != 2 or b.shape != (w.shape[0],):
                raise CertifyError(f"layer {i}: weights {w.shape} and bias {b.shape} are not (out, in) and (out,)")
            if w.dtype != dtype or b.dtype != dtype:
                raise CertifyError(f"layer {i}: dtypes {w.dtype}/{b.dtype} differ from the network's {dtype}")
            if i and w.shape[1] != self.weights[i - 1].shape[0]:
                raise CertifyError(
                    f"layer {i} takes {w.shape[1]} inputs, layer {i - 1} gives {self.weights[i - 1].shape[0]}"
                )
            if not (np.isfinite(w).all() and np.isfinite(b).all()):
                raise CertifyError(f"layer {i} holds non-finite parameters")
        for slope in self.slopes:
            if not 0 <= slope < 1:
                raise CertifyError(f"leaky ReLU slope must lie in [0, 1), got {slope}")
        # Read-only views: the certificate is about these exact numbers.
        object.__setattr__(self, "weights", tuple(_read_only(w) for w in self.weights))
        object.__setattr__(self, "biases", tuple(_read_only(b) for b in self.biases))
        object.__setattr__(self, "slopes", tuple(float(s) for s in self.slopes))

    def __getstate__(self) -> dict[str, Any]:
        # The float64 copies are a cache: rebuild them in the receiving process instead of shipping them.
        state = dict(self.__dict__)
        state.pop("exact", None)
        return state

    @property
    def dtype(self) -> np.dtype[Any]:
        """The dtype the deployed network computes in."""
        dtype: np.dtype[Any] = self.weights[0].dtype
        return dtype

    @property
    def widths(self) -> tuple[int, ...]:
        """``(inputs, out_0, out_1, ..., classes)``."""
        return (self.weights[0].shape[1], *(w.shape[0] for w in self.weights))

    @functools.cached_property
    def exact(self) -> tuple[tuple[Array, Array, Array], ...]:
        """Per layer ``(W, |W|, b)`` in float64: the same numbers exactly (float32 widens without rounding)."""
        return tuple(
            (w.astype(np.float64), np.abs(w.astype(np.float64)), b.astype(np.float64))
            for w, b in zip(self.weights, self.biases, strict=True)
        )

    def deployed_slope(self, i: int) -> float:
        """The slope of activation ``i`` as the deployed network multiplies by it: rounded to its dtype."""
        return float(self.dtype.type(self.slopes[i]))

    def activate(self, i: int, z: Array) -> Array:
        """Activation ``i`` applied as the deployed network applies it (same numpy operations and dtype)."""
        slope = self.slopes[i]
        if slope == 0:
            relu: Array = np.maximum(z, 0)
            return relu
        leaky: Array = np.where(z > 0, z, z * slope)
        return leaky

    def pre_activations(self, x: Array) -> list[Array]:
        """Every layer's output before its activation, ``(batch, out_i)``, in the network's dtype."""
        outputs = []
        a = x
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            z = a.astype(w.dtype, copy=False) @ w.T  # (batch, out_i)
            z += b
            outputs.append(z)
            if i < len(self.slopes):
                a = self.activate(i, z)
        return outputs

    @checked
    def logits(self, x: Inputs) -> Outputs:
        """The deployed forward pass, ``(batch, inputs) -> (batch, classes)``, in the network's dtype."""
        return self.pre_activations(x)[-1]

    @checked
    def predict(self, x: Inputs) -> LabelBatch:
        """The predicted class of each row: the first index of the largest logit, as numpy's argmax."""
        labels: LabelBatch = self.pre_activations(x)[-1].argmax(axis=1)
        return labels


def _read_only(array: Array) -> Array:
    view = array.view()
    view.flags.writeable = False
    return view
