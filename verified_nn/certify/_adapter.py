"""The one place where a network of ``verified_nn.network`` becomes certify's :class:`DenseNetwork`."""

from typing import Any

from verified_nn.layers import Dense, Dropout, LeakyReLU, ReLU
from verified_nn.network import Network

from ._errors import CertifyError
from ._network import Array, DenseNetwork


def from_model(model: Network[Any, Any]) -> DenseNetwork:
    """Certify's view of ``model``: its dense layers' arrays (no copy, same layout) and the ReLU or leaky-ReLU
    slope between each pair; dropout (the identity in evaluation mode) is skipped, any other layer refused."""
    if not isinstance(model, Network):
        raise CertifyError(f"certify converts a verified_nn Network, got {type(model).__name__}")
    weights: list[Array] = []
    biases: list[Array] = []
    slopes: list[float] = []
    for index, layer in enumerate(model.layers):
        if isinstance(layer, Dropout):
            continue
        expect_dense = len(weights) == len(slopes)
        if expect_dense and isinstance(layer, Dense):
            weights.append(layer.weights)
            biases.append(layer.bias)
        elif not expect_dense and isinstance(layer, ReLU | LeakyReLU):
            slopes.append(layer.slope if isinstance(layer, LeakyReLU) else 0.0)
        else:
            wanted = "a dense layer" if expect_dense else "ReLU or leaky ReLU"
            raise CertifyError(
                "certify handles dense layers with ReLU or leaky ReLU between them; "
                f"layer {index} is {layer!r}, where it needs {wanted}"
            )
    if len(weights) != len(slopes) + 1:
        raise CertifyError("certify needs a network that ends with a dense layer (its logits)")
    return DenseNetwork(weights=tuple(weights), biases=tuple(biases), slopes=tuple(slopes))
