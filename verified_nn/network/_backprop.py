"""Manual backpropagation through any network: the mean cross-entropy of a batch and every parameter's gradient.

Forward: each layer in order, ``z = f_L(... f_1(x))`` (batch, classes); ``L = mean_b CE(z_b, y_b)``.
Backward: ``dz = (softmax(z) - onehot(y)) / B``, then each layer's backward in reverse order; the first
layer forms no input gradient (nothing needs it).
"""

from typing import Any, TypeVar

from verified_nn.core import cross_entropy_and_gradient
from verified_nn.layers import EVAL, Layer, Mode
from verified_nn.layers._layer import Array

TreeT = TypeVar("TreeT", bound=Layer[Any, Any])


def backprop(
    network: TreeT, images: Array, labels: Array, *, seed: float = 1.0, mode: Mode = EVAL
) -> tuple[float, TreeT]:
    """The loss of a batch and ``seed`` times its gradient, unchecked: for callers that checked their arguments.

    Every gradient is linear in the upstream gradient of the loss, so ``seed`` scales them all at the
    cost of scaling one (batch, classes) array: ``seed=-lr`` yields the SGD step ``-lr * g`` directly.
    """
    logits, cache = network.forward(images, mode=mode)  # (batch, classes)
    loss, d_logits = cross_entropy_and_gradient(logits, labels, seed=seed)  # (batch, classes), seed / batch
    return loss, network.parameter_gradients(d_logits, cache)


def batch_loss(network: Layer[Any, Any], images: Array, labels: Array, *, mode: Mode = EVAL) -> float:
    """The mean cross-entropy of a batch, unchecked (the forward half of :func:`backprop`)."""
    logits, _ = network.forward(images, mode=mode)
    return cross_entropy_and_gradient(logits, labels)[0]
