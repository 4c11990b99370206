"""The logistic sigmoid ``1 / (1 + e^-x)`` as a layer, with everything the library needs of it in this one file.

Its derivative is ``y (1 - y)``, from the output. What the analyses rely on is declared here and nothing else
is needed: nondecreasing and s-shaped about 0 (so the bound core derives its intervals and linear bounds);
numpy's kernel within ``12 u |y| + 4 tiny`` of the real value (numpy's ``exp`` within 4 ulp, as assumed of its
``tanh``, then one addition and one division; measured here at most 3.2 u in float32 and 2.0 u in float64
against ``arb``: ``tests/test_sigmoid.py`` repeats it); PyTorch's ``torch.nn.Sigmoid``; ONNX's ``Sigmoid``.
Registered under the kind ``sigmoid``, so model files, ``--activation sigmoid``, ``TrainConfig`` and the
scikit-learn estimator take it, and the proofs' table proves its backward pass.
"""

import dataclasses
from typing import Any, ClassVar, TypeVar

import numpy as np

from verified_nn.core._activations import Shaped

from ._activation import Activation, Curvature
from ._dense import Scheme
from ._registry import register_layer

S = TypeVar("S", bound=tuple[Any, ...])  # the shape of one call's batch, kept


@register_layer
@dataclasses.dataclass(frozen=True)
class Sigmoid(Activation):
    """``1 / (1 + e^-x)``, values in (0, 1); derivative ``y (1 - y)`` at most 1/4, computed from the output."""

    kind: ClassVar[str] = "sigmoid"
    init_scheme: ClassVar[Scheme] = "glorot"
    smooth: ClassVar[bool] = True
    monotone: ClassVar[bool] = True
    curvature: ClassVar[Curvature | None] = "s-shaped"
    float_error: ClassVar[tuple[float, float] | None] = (12.0, 4.0)
    torch_name: ClassVar[str | None] = "Sigmoid"
    onnx_operator: ClassVar[str | None] = "Sigmoid"

    def function(self, x: Shaped[S]) -> Shaped[S]:
        with np.errstate(over="ignore"):  # e^-x overflows to inf for very negative x: the result is then 0
            result: Shaped[S] = 1 / (1 + np.exp(-x))
        return result

    def derivative(self, x: Shaped[S], y: Shaped[S]) -> Shaped[S]:
        result: Shaped[S] = y * (1 - y)
        return result
