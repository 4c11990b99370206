"""The network of a run: built to fit the data when none is given, checked against the data when one is.

Sizes come from the data: ``--hidden 128`` on a 20-feature, 3-class table is the MLP 20-128-3; on
MNIST, 784-128-10. A network takes a dataset when its input holds as many values as one example (rows
are reshaped to the network's input shape, so a 64-feature MLP takes 8 x 8 images) and it has as many
classes as the data.
"""

import math
from typing import Any

import numpy as np

from verified_nn.core import InvalidArgumentError, ShapeError
from verified_nn.data import Dataset
from verified_nn.layers import Activation, Dense, Dropout, LeakyReLU, activation_named
from verified_nn.network import Network, cnn, mlp

from ._augment import image_shape
from ._config import TrainConfig

# TrainConfig fields describing the network
_ARCHITECTURE = ("hidden", "conv", "kernel", "conv_stride", "activation", "dropout")


def build_network(config: TrainConfig, shape: tuple[int, ...], classes: int) -> Network[Any, Any]:
    """The network ``config`` describes for examples of ``shape`` and ``classes`` classes, initialised from
    ``config.seed``: the MLP ``prod(shape) -> hidden... -> classes``, or with ``config.conv`` the CNN of those
    convolution blocks on the images (``network.cnn``) followed by the hidden layers. A ``dropout`` left
    unset (it depends on the data's size: :meth:`TrainConfig.resolved`) counts as none."""
    rng = np.random.default_rng(config.seed)
    features = math.prod(shape)
    if not config.conv:
        sizes = (features, *config.hidden, classes)
        return mlp(sizes, rng=rng, activation=config.activation, dropout=config.dropout or 0.0, dtype=config.dtype)
    try:
        image = image_shape(shape)
    except InvalidArgumentError:
        raise InvalidArgumentError(f"conv: convolutions need images; the examples have shape {shape}") from None
    try:
        return cnn(
            config.conv,
            kernel=config.kernel,
            stride=config.conv_stride,
            hidden=config.hidden,
            image=image,
            classes=classes,
            rng=rng,
            activation=config.activation,
            dropout=config.dropout or 0.0,
            dtype=config.dtype,
        )
    except ShapeError as error:
        blocks = ",".join(map(str, config.conv))
        raise InvalidArgumentError(
            f"conv {blocks} with kernel {config.kernel} does not fit a {image[1]}x{image[2]} image (fewer blocks, "
            f"or a smaller kernel): {error}"
        ) from None


def check_fits(network: Network[Any, Any], data: Dataset, *, source: str = "the network") -> None:
    """InvalidArgumentError naming both when ``network`` cannot take ``data``'s examples or classes."""
    shape = network.input_shape()
    classes = network.classes != len(data.classes)  # the classes are named only when they differ: data read
    # for a model takes the model's classes, and "3 classes" of a file holding 2 labels would mislead
    if classes or (shape is not None and math.prod(shape) != data.features):
        takes = f"{source} takes inputs of shape {shape}" + (f" to {network.classes} classes" if classes else "")
        has = f"{data.name} has examples of shape {data.shape} ({data.features} values)"
        raise InvalidArgumentError(f"{takes}; {has}" + (f" and {len(data.classes)} classes" if classes else ""))


def _activation_name(layer: Activation) -> str | None:
    if isinstance(layer, LeakyReLU):
        default = activation_named("leaky_relu")
        assert isinstance(default, LeakyReLU)
        return "leaky_relu" if layer.slope == default.slope else f"leaky_relu({layer.slope!r})"
    return layer.kind if layer.kind in ("relu", "tanh") else None


def architecture_fields(network: Network[Any, Any]) -> dict[str, Any] | None:
    """The configuration fields that build ``network``'s architecture when it is an MLP as ``build_network``
    makes them (dense layers, one activation between them, optional dropout); None for any other network."""
    dense = [layer for layer in network.layers if isinstance(layer, Dense)]
    activations = [layer for layer in network.layers if isinstance(layer, Activation)]
    dropouts = [layer for layer in network.layers if isinstance(layer, Dropout)]
    names = {_activation_name(layer) for layer in activations}
    if not dense or len(names) > 1 or None in names or len({d.rate for d in dropouts}) > 1:
        return None
    fields: dict[str, Any] = {
        "hidden": tuple(int(layer.weights.shape[0]) for layer in dense[:-1]),
        "conv": (),
        "kernel": TrainConfig().kernel,
        "conv_stride": 1,
        "activation": names.pop() if names else "relu",
        "dropout": dropouts[0].rate if dropouts else 0.0,
    }
    config = TrainConfig(**fields)
    rebuilt = build_network(config, (int(dense[0].weights.shape[1]),), network.classes)
    return fields if rebuilt.config() == network.config() else None
