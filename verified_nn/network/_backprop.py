"""Manual backpropagation through any network: the mean cross-entropy of a batch and every parameter's gradient.

Forward: each layer in order, ``z = f_L(... f_1(x))`` (batch, classes); ``L = mean_b CE(z_b, y_b)``.
Backward: ``dz = (softmax(z) - onehot(y)) / B``, then each layer's backward in reverse order; the first
layer forms no input gradient (nothing needs it).

A convolutional network's batch is computed in two halves (``parts``): each half's loss and gradients
(seeded with its share of the batch) are added, the first half's first. Every layer of such a network
treats samples independently, and a dropout mask is drawn for the whole batch and split (``Mode.part``),
so the halves compute the batch's loss and gradient. The split depends on the network and the batch
size alone, never on the threads: on one thread the halves run one after the other, on two at once
(``verified_nn.core.in_parallel``), with the same result to the last bit; a batch too small to split
runs on one BLAS thread whatever the threads, for the same reason.
"""

import functools
import itertools
from typing import Any, Final, TypeVar

import numpy as np

from verified_nn.core import blas_threads, cross_entropy_and_gradient, in_parallel, workers
from verified_nn.layers import (
    EVAL,
    Activation,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    Layer,
    Mode,
    Pool2D,
    Reshape,
    _conv_pool as conv_pool,
)
from verified_nn.layers._layer import Array

from ._tree import map_unchecked

TreeT = TypeVar("TreeT", bound=Layer[Any, Any])

PARTS: Final = 2  # halves of a convolutional network's batch
PART_ROWS: Final = 16  # the fewest samples in a part: smaller batches are computed whole
# Layers that treat the samples of a batch independently (and so may see it in parts).
_PER_SAMPLE: Final = (Dense, Conv2D, Pool2D, Activation, Dropout, Flatten, Reshape)


def _splits(network: Layer[Any, Any]) -> bool:
    """Whether ``network`` is made of per-sample layers with a convolution (its batches are computed in parts)."""
    layers = list(getattr(network, "layers", (network,)))
    return any(isinstance(layer, Conv2D) for layer in layers) and all(
        isinstance(layer, _PER_SAMPLE) for layer in layers
    )


def parts(network: Layer[Any, Any], batch: int) -> int:
    """How many parts a batch of ``batch`` samples is computed in: ``PARTS`` for a network of per-sample layers
    with a convolution, given at least ``PART_ROWS`` samples a part; else 1."""
    return PARTS if batch >= PARTS * PART_ROWS and _splits(network) else 1


def backprop(
    network: TreeT, images: Array, labels: Array, *, seed: float = 1.0, mode: Mode = EVAL
) -> tuple[float, TreeT]:
    """The loss of a batch and ``seed`` times its gradient, unchecked: for callers that checked their arguments.

    Every gradient is linear in the upstream gradient of the loss, so ``seed`` scales them all at the
    cost of scaling one (batch, classes) array: ``seed=-lr`` yields the SGD step ``-lr * g`` directly.
    """
    batch = len(labels)
    count = parts(network, batch)
    if count == 1:
        if workers() > 1 and _splits(network):  # a small batch: on one BLAS thread, the bits of one thread
            with blas_threads(1):
                return _whole(network, images, labels, seed, mode)
        return _whole(network, images, labels, seed, mode)
    bounds = [batch * part // count for part in range(count + 1)]

    def part(start: int, stop: int) -> tuple[float, TreeT]:
        share = (stop - start) / batch
        loss, grads = _whole(
            network, images[start:stop], labels[start:stop], seed * share, mode.part(start, stop, batch)
        )
        return loss * share, grads

    results = in_parallel([functools.partial(part, start, stop) for start, stop in itertools.pairwise(bounds)])
    loss, grads = results[0]
    for more, more_grads in results[1:]:
        loss += more
        grads = map_unchecked(np.add, grads, more_grads)
    return loss, grads


def _whole(network: TreeT, images: Array, labels: Array, seed: float, mode: Mode) -> tuple[float, TreeT]:
    if not isinstance(getattr(network, "layers", None), tuple):  # a single layer
        logits, cache = network.forward(images, mode=mode)  # (batch, classes)
        loss, d_logits = cross_entropy_and_gradient(logits, labels, seed=seed)  # (batch, classes), seed / batch
        return loss, network.parameter_gradients(d_logits, cache)
    logits, caches = _forward(network, images, mode)
    loss, d_logits = cross_entropy_and_gradient(logits, labels, seed=seed)
    # A network of the same structure holding the gradients (Network.trusted, reached through the type:
    # network/_network.py imports this module).
    grads: TreeT = type(network).trusted(_gradients(network, d_logits, caches), like=network)  # type: ignore[attr-defined]
    return loss, grads


Step = tuple[int, bool, Any]  # (index of the first layer, fused convolution block, cache)


def _forward(network: Any, images: Array, mode: Mode) -> tuple[Array, list[Step]]:
    """``Network.forward``, with each convolution, 2x2 max pooling and ReLU run as one (``_conv_pool.py``)."""
    y: Array = network.check_input("Network.forward", images)
    layers, steps = network.layers, []
    index = 0
    while index < len(layers):
        if conv_pool.fusable(layers[index : index + 3]):
            y, cache = conv_pool.forward(layers[index], y)
            steps.append((index, True, cache))
            index += 3
        else:
            y, cache = layers[index].forward(y, mode=mode.child(index))
            steps.append((index, False, cache))
            index += 1
    return y, steps


def _gradients(network: Any, dy: Array, steps: list[Step]) -> tuple[Layer[Any, Any], ...]:
    """``Network.parameter_gradients`` over the steps of :func:`_forward`: no input gradient below the first
    layer that holds parameters."""
    layers = network.layers
    grads: list[Layer[Any, Any]] = list(layers)
    first = next((index for index, layer in enumerate(layers) if layer.parameters()), 0)
    gradient: Array = dy
    for index, fused, cache in reversed(steps):
        if index < first:
            break
        needed = index > first
        if fused:
            below, grads[index] = conv_pool.backward(layers[index], gradient, cache, inputs=needed)
            gradient = gradient if below is None else below  # None: the first layer, nothing below needs it
        elif needed:
            gradient, grads[index] = layers[index].backward(gradient, cache)
        else:
            grads[index] = layers[index].parameter_gradients(gradient, cache)
    return tuple(grads)


def batch_loss(network: Layer[Any, Any], images: Array, labels: Array, *, mode: Mode = EVAL) -> float:
    """The mean cross-entropy of a batch, unchecked (the forward half of :func:`backprop`)."""
    logits, _ = network.forward(images, mode=mode)
    return cross_entropy_and_gradient(logits, labels)[0]
