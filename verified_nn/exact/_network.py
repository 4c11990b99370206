"""The dense network the float check reasons about: affine layers and the activation between each pair.

This is the check's own small representation, independent of how the library composes its layers:
a sequence of ``(weights (out, in), bias (out,))`` float arrays, one :class:`Nonlinearity` between
consecutive layers, and the float forward pass that computes the network as deployed.
"""

import dataclasses
import itertools
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import numpy as np

from ._errors import FloatCheckError
from ._formats import FloatFormat, float_format

if TYPE_CHECKING:
    from ._float_pass import FloatPass

Array: TypeAlias = np.ndarray[Any, Any]
Kind: TypeAlias = Literal["relu", "leaky_relu", "tanh"]

# The float forward pass of a network: (batch, in) inputs in the network's dtype -> every intermediate.
FloatForward: TypeAlias = Callable[[Array], "FloatPass"]


@dataclasses.dataclass(frozen=True)
class Nonlinearity:
    """An elementwise activation: ReLU, leaky ReLU ``max(z, slope z)`` with ``0 <= slope < 1``, or tanh."""

    kind: Kind
    slope: float = 0.0  # the negative-side slope of leaky ReLU, as the real number this float denotes

    def __post_init__(self) -> None:
        if self.kind not in ("relu", "leaky_relu", "tanh"):
            raise FloatCheckError(f"unsupported activation {self.kind!r}: expected relu, leaky_relu or tanh")
        if self.kind == "leaky_relu" and not (math.isfinite(self.slope) and 0 <= self.slope < 1):
            raise FloatCheckError(f"leaky ReLU slope must lie in [0, 1), got {self.slope}")
        if self.kind != "leaky_relu" and self.slope != 0.0:
            raise FloatCheckError(f"{self.kind} takes no slope, got {self.slope}")

    @property
    def name(self) -> str:
        """``relu``, ``tanh`` or ``leaky_relu(slope)``."""
        return f"leaky_relu({self.slope!r})" if self.kind == "leaky_relu" else self.kind


RELU = Nonlinearity("relu")
TANH = Nonlinearity("tanh")


def leaky_relu(slope: float) -> Nonlinearity:
    """Leaky ReLU with the given negative-side slope."""
    return Nonlinearity("leaky_relu", float(slope))


@dataclasses.dataclass(frozen=True)
class Affine:
    """One dense layer ``y = x W^T + b``: weights ``(out, in)``, bias ``(out,)``, one float dtype, finite."""

    weights: Array  # (out, in)
    bias: Array  # (out,)

    def __post_init__(self) -> None:
        weights, bias = self.weights, self.bias
        if weights.ndim != 2 or bias.shape != (weights.shape[0],):
            raise FloatCheckError(
                f"a dense layer needs weights (out, in) and bias (out,), got {weights.shape} and {bias.shape}"
            )
        if weights.dtype != bias.dtype:
            raise FloatCheckError(f"weights and bias must share a dtype, got {weights.dtype} and {bias.dtype}")
        float_format(weights.dtype)
        if not (np.isfinite(weights).all() and np.isfinite(bias).all()):
            raise FloatCheckError("a dense layer has a non-finite parameter")

    @property
    def shape(self) -> tuple[int, int]:
        """``(out, in)``."""
        return (self.weights.shape[0], self.weights.shape[1])


@dataclasses.dataclass(frozen=True)
class DenseNetwork:
    """Affine layers with a nonlinearity between each consecutive pair; the last layer gives the logits."""

    affines: tuple[Affine, ...]  # in order from the input
    nonlinearities: tuple[Nonlinearity, ...]  # one fewer than affines: after every layer but the last
    forward: FloatForward | None = None  # the float pass as deployed; None: the plain numpy pass

    def __post_init__(self) -> None:
        if not self.affines:
            raise FloatCheckError("a network needs at least one dense layer")
        if len(self.nonlinearities) != len(self.affines) - 1:
            layers, given = len(self.affines), len(self.nonlinearities)
            raise FloatCheckError(f"{layers} dense layers need {layers - 1} activations, got {given}")
        dtypes = {affine.weights.dtype for affine in self.affines}
        if len(dtypes) != 1:
            raise FloatCheckError(f"all layers must share a dtype, got {sorted(map(str, dtypes))}")
        for number, (before, after) in enumerate(itertools.pairwise(self.affines), start=1):
            if after.shape[1] != before.shape[0]:
                raise FloatCheckError(
                    f"layer {number} gives {before.shape[0]} outputs, layer {number + 1} takes {after.shape[1]}"
                )

    @property
    def dtype(self) -> np.dtype[Any]:
        """The dtype of every parameter and of the float computation."""
        dtype: np.dtype[Any] = self.affines[0].weights.dtype
        return dtype

    @property
    def format(self) -> FloatFormat:
        """The float format the network computes in."""
        return float_format(self.dtype)

    @property
    def widths(self) -> tuple[int, ...]:
        """``(in, hidden..., classes)``."""
        return (self.affines[0].shape[1], *(affine.shape[0] for affine in self.affines))

    def describe(self) -> str:
        """For example ``float32 784-128-10 relu``."""
        activations = ",".join(dict.fromkeys(n.name for n in self.nonlinearities)) or "linear"
        return f"{self.dtype} {'-'.join(map(str, self.widths))} {activations}"
