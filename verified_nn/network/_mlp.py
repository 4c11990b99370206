"""The 784 -> 128 -> 10 multilayer perceptron: two dense layers, an activation, softmax at the output."""

import dataclasses
from typing import Any

import numpy as np

from verified_nn.core import (
    HIDDEN_DIM,
    INPUT_DIM,
    NUM_CLASSES,
    RELU,
    Activation,
    ClassDim,
    HiddenDim,
    Image,
    ImageBatch,
    InputDim,
    LabelBatch,
    LogitsBatch,
    Probabilities,
    ProbabilitiesBatch,
    ShapeError,
    checked,
    checked_dataclass,
    softmax_unchecked,
)

from ._dense import Dense, dense_forward

_EXPECTED = {
    "layer1": (HIDDEN_DIM, INPUT_DIM),
    "layer2": (NUM_CLASSES, HIDDEN_DIM),
}


@checked_dataclass
@dataclasses.dataclass(frozen=True)
class MLP:
    """Parameters of the network and its activation; a frozen value (gradients have this type too)."""

    layer1: Dense[HiddenDim, InputDim]  # 784 -> 128
    layer2: Dense[ClassDim, HiddenDim]  # 128 -> 10
    activation: Activation = RELU  # between the layers; softmax is applied at the output

    def __post_init__(self) -> None:
        for name, expected in _EXPECTED.items():
            got = getattr(self, name).shape
            if got != expected:
                raise ShapeError(f"MLP: {name}.weights expected shape {expected}, got {got}")
        if self.layer1.weights.dtype != self.layer2.weights.dtype:
            raise ShapeError(
                f"MLP: both layers must share a dtype, got {self.layer1.weights.dtype} and {self.layer2.weights.dtype}"
            )

    @classmethod
    def trusted(cls, layer1: Dense[Any, Any], layer2: Dense[Any, Any], activation: Activation) -> "MLP":
        """Build from layers our own checked code produced, skipping the runtime checks (hot path)."""
        mlp: MLP = object.__new__(cls)
        object.__setattr__(mlp, "layer1", layer1)
        object.__setattr__(mlp, "layer2", layer2)
        object.__setattr__(mlp, "activation", activation)
        return mlp

    @property
    def dtype(self) -> np.dtype[Any]:
        """The dtype of every parameter (float32 or float64)."""
        return self.layer1.weights.dtype

    def astype(self, dtype: Any) -> "MLP":
        """The same network with every parameter converted to ``dtype`` (float32 or float64)."""
        return MLP(
            layer1=Dense(weights=self.layer1.weights.astype(dtype), bias=self.layer1.bias.astype(dtype)),
            layer2=Dense(weights=self.layer2.weights.astype(dtype), bias=self.layer2.bias.astype(dtype)),
            activation=self.activation,
        )

    def _logits(self, images: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        hidden, _ = dense_forward(self.layer1, images)  # (batch, 128)
        logits, _ = dense_forward(self.layer2, self.activation.function(hidden))  # (batch, 10)
        return logits

    @checked
    def logits(self, images: ImageBatch) -> LogitsBatch:
        """Pre-softmax scores, ``(batch, 784) -> (batch, 10)``, in the parameters' dtype."""
        return self._logits(images)

    @checked
    def forward_batch(self, images: ImageBatch) -> ProbabilitiesBatch:
        """Class probabilities, ``(batch, 784) -> (batch, 10)``; each row sums to 1."""
        return softmax_unchecked(self._logits(images))

    @checked
    def forward(self, image: Image) -> Probabilities:
        """Class probabilities of one image, ``(784,) -> (10,)``."""
        return softmax_unchecked(self._logits(image[np.newaxis, :])[0])

    @checked
    def predict(self, images: ImageBatch) -> LabelBatch:
        """The most probable class of each image, ``(batch, 784) -> (batch,)``."""
        labels: LabelBatch = self._logits(images).argmax(axis=1)
        return labels
