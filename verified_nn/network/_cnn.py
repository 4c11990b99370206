"""Building convolutional networks: blocks of convolution, activation and 2 x 2 max pooling, then dense layers.

``cnn((32, 64), hidden=(128,), rng=rng)`` is the LeNet-style network of the ``cnn`` preset:
``784 -> Reshape(1x28x28) -> [Conv2D 5x5 (same padding) -> MaxPool2D 2x2 -> ReLU] x 2 -> Flatten ->
Dense(3136 -> 128) -> ReLU -> Dense(128 -> 10)``, shapes ``(1, 28, 28) -> (32, 14, 14) -> (64, 7, 7)``.

ReLU comes after the pooling: ``maxpool(relu(x)) = relu(maxpool(x))`` exactly (a maximum commutes with
a non-decreasing function), and the gradients agree too (where a window's maximum is positive both send
``dy`` to its first maximum; where it is not, ReLU's derivative makes both zero), while the ReLU runs on
a quarter of the values. Other activations keep the usual order: a float tie they create (``tanh``
saturating, a leaky slope rounding) could move a gradient to another input of the window.
"""

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from verified_nn.core import InvalidArgumentError, size_of
from verified_nn.layers import (
    Activation,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    Layer,
    MaxPool2D,
    ReLU,
    Reshape,
    activation_named,
)

from ._build import float_dtype
from ._network import Network


def cnn(
    channels: Sequence[int],
    *,
    rng: np.random.Generator,
    kernel: int = 5,
    stride: int = 1,
    hidden: Sequence[int] = (128,),
    image: tuple[int, int, int] = (1, 28, 28),
    classes: int = 10,
    activation: str | Activation = "relu",
    dropout: float = 0.0,
    dtype: Any = np.float32,
) -> Network[Any, Any]:
    """A convolutional network on rows of ``prod(image)`` pixels, ``image = (channels, height, width)``.

    Each entry of ``channels`` adds a block: ``Conv2D`` with a ``kernel x kernel`` window and padding
    ``kernel // 2`` (an odd kernel keeps the size), the activation, and ``MaxPool2D(2)`` (halving the
    size, rounding down); a ReLU comes after the pooling instead (the same function and gradients, less
    work: see the module docstring). Then ``Flatten`` and the dense layers ``hidden...`` each followed by the
    activation (and ``Dropout(dropout)`` when ``dropout > 0``), and a last dense layer to ``classes``.
    Weights are drawn from ``rng`` layer by layer (the activation's initialisation scheme, He for the
    last layer), biases are zero.
    """
    depths = [size_of(count, name=f"channels[{index}]") for index, count in enumerate(channels)]
    widths = [size_of(width, name=f"hidden[{index}]") for index, width in enumerate(hidden)]
    size = size_of(kernel, name="kernel")
    step = size_of(stride, name="stride")
    if not depths:
        raise InvalidArgumentError("cnn: give at least one convolution block (channels), or build an mlp")
    act = activation if isinstance(activation, Activation) else activation_named(activation)
    resolved = float_dtype(dtype)
    layers: list[Layer[Any, Any]] = [Reshape(image)]
    for fan_in, fan_out in itertools.pairwise([image[0], *depths]):
        padding = size // 2 if step == 1 else (size - 1) // 2
        conv = Conv2D.init(
            fan_out, fan_in, kernel=size, stride=step, padding=padding, rng=rng, dtype=resolved, scheme=act.init_scheme
        )
        if step > 1:
            layers += [conv, act]
        else:
            layers += [conv, MaxPool2D(2), act] if type(act) is ReLU else [conv, act, MaxPool2D(2)]
    layers.append(Flatten())
    shape = Network(tuple(layers)).output_shape()  # ShapeError naming the sizes if the image is too small
    for index, (fan_in, fan_out) in enumerate(itertools.pairwise([shape[0], *widths, classes])):
        last = index == len(widths)
        layers.append(Dense.init(fan_out, fan_in, rng=rng, dtype=resolved, scheme="he" if last else act.init_scheme))
        if not last:
            layers.append(act)
            if dropout > 0:
                layers.append(Dropout(dropout))
    return Network(tuple(layers))
