"""The check's own network representation: what it accepts, what it refuses, and with which message."""

import numpy as np
import pytest

from verified_nn.exact import RELU, TANH, Affine, DenseNetwork, FloatCheckError, Nonlinearity, leaky_relu


def _affine(out: int, fan_in: int, dtype: type = np.float32) -> Affine:
    return Affine(np.ones((out, fan_in), dtype=dtype), np.zeros(out, dtype=dtype))


def test_a_network_reports_its_widths_dtype_and_description() -> None:
    network = DenseNetwork((_affine(5, 3), _affine(2, 5)), (leaky_relu(0.1),))
    assert network.widths == (3, 5, 2)
    assert network.dtype == np.float32
    assert network.describe() == "float32 3-5-2 leaky_relu(0.1)"
    assert DenseNetwork((_affine(2, 3),), ()).describe() == "float32 3-2 linear"


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: Affine(np.ones((2, 3)), np.zeros(3)),
            r"weights \(out, in\) and bias \(out,\), got \(2, 3\) and \(3,\)",
        ),
        (lambda: Affine(np.ones((2, 3)), np.zeros(2, dtype=np.float32)), "share a dtype, got float64 and float32"),
        (
            lambda: Affine(np.ones((2, 3), dtype=np.float16), np.zeros(2, dtype=np.float16)),
            "float32 or float64, got float16",
        ),
        (lambda: Affine(np.full((1, 1), np.nan), np.zeros(1)), "non-finite parameter"),
        (lambda: DenseNetwork((), ()), "at least one dense layer"),
        (lambda: DenseNetwork((_affine(5, 3), _affine(2, 5)), ()), "2 dense layers need 1 activations, got 0"),
        (lambda: DenseNetwork((_affine(5, 3), _affine(2, 4)), (RELU,)), "layer 1 gives 5 outputs, layer 2 takes 4"),
        (lambda: DenseNetwork((_affine(5, 3), _affine(2, 5, np.float64)), (RELU,)), "all layers must share a dtype"),
        (lambda: leaky_relu(1.0), r"slope must lie in \[0, 1\), got 1.0"),
        (lambda: Nonlinearity("sigmoid"), "unsupported activation 'sigmoid'"),  # type: ignore[arg-type]
        (lambda: Nonlinearity("tanh", 0.5), "tanh takes no slope"),
    ],
)
def test_invalid_networks_are_refused_with_a_message(build: object, message: str) -> None:
    with pytest.raises(FloatCheckError, match=message):
        build()  # type: ignore[operator]


def test_activation_names() -> None:
    assert (RELU.name, TANH.name, leaky_relu(0.01).name) == ("relu", "tanh", "leaky_relu(0.01)")
