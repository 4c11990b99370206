"""Gradient checks of a network's manual backpropagation against float64 finite differences."""

from typing import Any

import numpy as np

from verified_nn.core import cross_entropy
from verified_nn.layers import EVAL, Activation, MaxPool2D, Mode
from verified_nn.network import Network, backprop, unflatten

from ._finite_difference import DEFAULT_FLOOR, DEFAULT_STEP, DEFAULT_TOLERANCE
from ._piecewise import check_piecewise_gradient
from ._report import GradientCheckReport

Array = np.ndarray[Any, Any]


class _NetworkLoss:
    """The loss as a function of the flat float64 parameter vector, and the sign pattern at the kinks."""

    def __init__(self, network: Network[Any, Any], images: Array, labels: Array, mode: Mode) -> None:
        self.network = network
        self.images = np.asarray(images, dtype=np.float64)
        self.labels = labels
        self.mode = mode
        # The layers whose derivative jumps: ReLU-family activations at 0, and max pooling where the
        # largest value of a window changes place. A stencil must not cross such a change.
        self.kinked = [
            i
            for i, layer in enumerate(network.layers)
            if (isinstance(layer, Activation) and not layer.smooth) or isinstance(layer, MaxPool2D)
        ]

    def evaluate(self, vector: Array) -> tuple[float, list[Array]]:
        """The loss at ``vector`` and the pattern of every kinked layer, in one forward pass.

        The pattern is the sign of an activation's input, or the winning offset of each max-pooling window.
        """
        network = unflatten(vector, like=self.network)
        logits, caches = network.forward(self.images, mode=self.mode)  # the network's own forward pass
        patterns = [caches[i][0] if isinstance(network.layers[i], MaxPool2D) else caches[i][0] > 0 for i in self.kinked]
        return cross_entropy(logits, self.labels), patterns


def check_network_gradients(
    network: Network[Any, Any],
    images: Array,
    labels: Array,
    *,
    rng: np.random.Generator,
    coordinates_per_block: int = 8,
    directions: int = 8,
    mode: Mode = EVAL,
    step: float = DEFAULT_STEP,
    tolerance: float = DEFAULT_TOLERANCE,
    floor: float = DEFAULT_FLOOR,
) -> GradientCheckReport:
    """Check the backpropagation of ``network`` (converted to float64) on one batch.

    Compares ``coordinates_per_block`` random coordinates of each parameter array (every one, if fewer)
    and ``directions`` random unit directions in the whole parameter space with fourth-order central
    differences of the loss. ``mode`` is used for every evaluation, so a dropout mask is held fixed.
    A comparison whose stencil straddles a kink (the sign of some ReLU-family input changes, or the maximum
    of some max-pooling window moves to another input) is retried with a tenfold smaller step, and skipped
    (and counted) if it still does.
    """
    network64 = network.astype(np.float64)
    loss = _NetworkLoss(network64, images, labels, mode)
    _, gradients = backprop(network64, loss.images, labels, mode=mode)
    return check_piecewise_gradient(
        loss,
        network64,
        gradients,
        rng=rng,
        coordinates_per_block=coordinates_per_block,
        directions=directions,
        step=step,
        tolerance=tolerance,
        floor=floor,
    )
