"""The one place that knows the library's network type: a ``Network`` of dense layers as a :class:`DenseNetwork`."""

from typing import Any

import numpy as np

from verified_nn.layers import Dense, Dropout, LeakyReLU, ReLU, Tanh
from verified_nn.network import Network

from ._errors import FloatCheckError
from ._float_pass import FloatPass
from ._network import RELU, TANH, Affine, Array, DenseNetwork, Nonlinearity, leaky_relu


def _nonlinearity(layer: object) -> Nonlinearity | None:
    if isinstance(layer, ReLU):
        return RELU
    if isinstance(layer, LeakyReLU):
        return leaky_relu(layer.slope)
    if isinstance(layer, Tanh):
        return TANH
    return None


def from_network(network: Network[Any, Any]) -> DenseNetwork:
    """``network`` as a dense network whose float pass is the library's own forward pass.

    The network must alternate dense layers with ReLU, leaky ReLU or tanh (dropout, the identity in
    evaluation mode, may follow an activation). The pass calls each layer's own ``forward`` in evaluation
    mode, the code ``Network.logits``, ``predict``, ``evaluate`` and training run, keeps the intermediate
    arrays, and checks that its logits equal ``network.logits`` bit for bit.
    """
    affines: list[Affine] = []
    nonlinearities: list[Nonlinearity] = []
    for index, layer in enumerate(network.layers):
        if isinstance(layer, Dropout):
            continue  # the identity in evaluation mode, wherever it stands
        expect_dense = len(affines) == len(nonlinearities)
        activation = _nonlinearity(layer)
        if expect_dense and isinstance(layer, Dense):
            affines.append(Affine(layer.weights, layer.bias))
        elif not expect_dense and activation is not None:
            nonlinearities.append(activation)
        else:
            wanted = "a dense layer" if expect_dense else "ReLU, leaky ReLU or tanh"
            raise FloatCheckError(f"float check: layer {index} is {layer!r}, where the check needs {wanted}")
    if len(affines) != len(nonlinearities) + 1:
        raise FloatCheckError("float check: the network must end with a dense layer (its logits)")

    def forward(images: Array) -> FloatPass:
        pre: list[Array] = []
        post: list[Array] = []
        current = images
        for layer in network.layers:
            current, _ = layer.forward(current)  # the layer's own kernel, evaluation mode
            if isinstance(layer, Dense):
                pre.append(current)
            elif _nonlinearity(layer) is not None:
                post.append(current)
        if not np.array_equal(current, network.logits(images), equal_nan=True):
            raise FloatCheckError("float check: the layer-by-layer pass differs from Network.logits")
        return FloatPass(inputs=images, pre_activations=tuple(pre), activations=tuple(post))

    return DenseNetwork(affines=tuple(affines), nonlinearities=tuple(nonlinearities), forward=forward)
