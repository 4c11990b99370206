"""Convolutional networks: the cnn builder, shapes through a network, and the errors for sizes that do not chain."""

from typing import Any, Literal

import numpy as np
import pytest

from verified_nn.core import Dim, InvalidArgumentError, ShapeError, as_image_batch, as_labels
from verified_nn.layers import Conv2D, Dense, Flatten, Layer, MaxPool2D, ReLU, Reshape, Tanh
from verified_nn.network import Batch, Network, cnn, parameter_count

rng = np.random.default_rng(0)
C1, C32, P28, CLASSES = Dim[Literal[1]](), Dim[Literal[32]](), Dim[Literal[28]](), Dim[Literal[10]]()


def test_the_preset_network_is_lenet_shaped() -> None:
    network = cnn((32, 64), rng=np.random.default_rng(0))
    assert network.describe() == (
        "784 -> Reshape(784 -> 1x28x28) -> Conv2D(1 -> 32, 5x5, stride 1, padding 2, float32) -> "
        "MaxPool2D(2x2, stride 2, padding 0) -> ReLU() -> Conv2D(32 -> 64, 5x5, stride 1, padding 2, float32) -> "
        "MaxPool2D(2x2, stride 2, padding 0) -> ReLU() -> Flatten() -> Dense(3136 -> 128, float32) -> ReLU() -> "
        "Dense(128 -> 10, float32) -> 10"
    )
    assert network.parameter_names() == (
        "1.weight",
        "1.bias",
        "4.weight",
        "4.bias",
        "8.weight",
        "8.bias",
        "10.weight",
        "10.bias",
    )
    assert parameter_count(network) == 32 * 25 + 32 + 64 * 32 * 25 + 64 + 3136 * 128 + 128 + 1290
    shapes: list[tuple[int, ...]] = [(784,)]
    for layer in network.layers:
        shapes.append(layer.output_shape(shapes[-1]))
    assert shapes[1:8] == [
        (1, 28, 28),
        (32, 28, 28),
        (32, 14, 14),
        (32, 14, 14),
        (64, 14, 14),
        (64, 7, 7),
        (64, 7, 7),
    ]


@pytest.mark.parametrize("image", [(1, 8, 8), (2, 9, 7), (1, 5, 11)])  # odd sizes: the pooling does not tile
def test_relu_after_pooling_gives_the_values_and_gradients_of_relu_before_it(image: tuple[int, int, int]) -> None:
    """The builder's order (pool, then ReLU) against the textbook one (ReLU, then pool), same parameters.

    The inputs are rounded to a coarse grid so that windows hold ties and all-negative maxima: the cases
    where choosing a different winner, or a non-zero gradient for a non-positive maximum, would show.
    """
    generator = np.random.default_rng(sum(image))
    network = cnn((3, 4), kernel=3, hidden=(5,), image=image, rng=generator, dtype=np.float64)
    assert [layer.kind for layer in network.layers[1:7]] == [
        "conv2d", "max_pool2d", "relu", "conv2d", "max_pool2d", "relu"
    ]  # fmt: skip
    layers = list(network.layers)
    for block in (1, 4):  # swap each block's pooling and ReLU back
        layers[block + 1], layers[block + 2] = layers[block + 2], layers[block + 1]
    textbook: Network[Any, Any] = Network(tuple(layers))
    assert [layer.kind for layer in textbook.layers[1:7]] == [
        "conv2d", "relu", "max_pool2d", "conv2d", "relu", "max_pool2d"
    ]  # fmt: skip
    for trial in range(5):
        x = np.round(generator.normal(size=(6, int(np.prod(image)))) * 2) / 2  # many zeros and ties
        if trial == 0:  # the first convolution passes the input through: windows mix zeros and negatives
            params = list(network.parameters())
            params[0] = np.zeros_like(params[0])
            params[0][:, :, 1, 1] = 1.0
            network = network.with_parameters(params)
            textbook = textbook.with_parameters(params)
        ours, ours_cache = network.forward(x)
        theirs, theirs_cache = textbook.forward(x)
        np.testing.assert_array_equal(ours, theirs)
        dy = generator.normal(size=ours.shape)
        d_ours, g_ours = network.backward(dy, ours_cache)
        d_theirs, g_theirs = textbook.backward(dy, theirs_cache)
        np.testing.assert_array_equal(d_ours, d_theirs)
        for mine, reference in zip(g_ours.parameters(), g_theirs.parameters(), strict=True):
            np.testing.assert_array_equal(mine, reference)


def test_other_activations_keep_the_pooling_after_them() -> None:
    for name in ("leaky_relu", "tanh"):
        kinds = [layer.kind for layer in cnn((2,), kernel=3, activation=name, rng=np.random.default_rng(0)).layers]
        assert kinds[1:4] == ["conv2d", name, "max_pool2d"]


def test_the_builder_takes_kernels_dense_widths_dropout_and_activations() -> None:
    network = cnn(
        (4,), kernel=3, hidden=(16, 8), activation="tanh", dropout=0.25, rng=np.random.default_rng(0), dtype=np.float64
    )
    kinds = [layer.kind for layer in network.layers]
    assert kinds == [
        "reshape",
        "conv2d",
        "tanh",
        "max_pool2d",
        "flatten",
        "dense",
        "tanh",
        "dropout",
        "dense",
        "tanh",
        "dropout",
        "dense",
    ]
    assert network.output_shape() == (10,) and network.dtype == np.float64
    assert network.layers[1].output_shape((1, 28, 28)) == (4, 28, 28)
    assert cnn((2,), hidden=(), rng=np.random.default_rng(0)).layers[-1].input_shape() == (2 * 14 * 14,)


def test_the_builder_refuses_no_blocks_or_an_image_too_small_for_them() -> None:
    with pytest.raises(InvalidArgumentError, match="give at least one convolution block"):
        cnn((), rng=np.random.default_rng(0))
    with pytest.raises(
        ShapeError, match=r"MaxPool2D\(2x2, stride 2, padding 0\): the 2x2 kernel does not fit the 1x1 input"
    ):
        cnn((2, 2, 2), image=(1, 5, 5), rng=np.random.default_rng(0))  # type: ignore[shape]  # mypy (shape plugin) refuses it too
    with pytest.raises(InvalidArgumentError, match=r"channels\[1\] must be a size >= 1"):
        cnn((2, 0), rng=np.random.default_rng(0))


def test_a_dense_layer_of_the_wrong_width_after_flatten_is_refused_naming_both_widths() -> None:
    conv = Conv2D.init(C32, C1, kernel=5, padding=2, rng=rng)
    with pytest.raises(
        ShapeError, match=r"^Network: layer 5: Dense\(3136 -> 10\) takes inputs of width 3136, got 6272$"
    ):
        Network.of(Reshape((1, 28, 28))).then(conv).then(ReLU()).then(MaxPool2D(2)).then(Flatten()).then(
            Dense.init(10, 3136, rng=rng)  # type: ignore[arg-type]  # mypy (shape plugin) refuses it too
        )


def test_a_declared_flatten_width_is_checked_when_the_network_is_built() -> None:
    conv = Conv2D.init(C32, C1, kernel=5, padding=2, rng=rng)
    with pytest.raises(
        ShapeError,
        match=r"^Network: layer 4: Flatten: declared width 3136, but inputs of shape \(32, 14, 14\) flatten to 32 \* 14 \* 14 = 6272$",
    ):
        Network.of(Reshape((1, 28, 28))).then(conv).then(ReLU()).then(MaxPool2D(2)).then(  # type: ignore[shape]  # mypy (shape plugin) refuses it too
            Flatten.to(Dim[Literal[3136]]())
        )


def test_a_convolution_of_the_wrong_input_channels_is_refused() -> None:
    with pytest.raises(
        ShapeError,
        match=r"^Network: layer 2: Conv2D\(3 -> 4, 3x3, stride 1, padding 0, float32\) takes inputs of shape \(3, height, width\), got \(2, 26, 26\)$",
    ):
        Network((Reshape((1, 28, 28)), Conv2D.init(2, 1, kernel=3, rng=rng), Conv2D.init(4, 3, kernel=3, rng=rng)))  # type: ignore[shape]  # mypy (shape plugin) refuses it too


def test_a_kernel_that_outgrows_the_image_is_refused_when_the_network_is_built() -> None:
    with pytest.raises(
        ShapeError,
        match=r"^Network: layer 3: Conv2D\(2 -> 2, 5x5, stride 1, padding 0, float32\): the 5x5 kernel does not fit the 3x3 input",
    ):
        Network(  # type: ignore[shape]  # mypy (shape plugin) refuses it too
            (
                Reshape((1, 7, 7)),
                Conv2D.init(2, 1, kernel=5, rng=rng),
                MaxPool2D(1),
                Conv2D.init(2, 2, kernel=5, rng=rng),
            )
        )


def test_a_network_that_starts_with_a_convolution_takes_images_of_any_size() -> None:
    network: Network[Any, Any] = Network(
        (Conv2D.init(2, 1, kernel=3, rng=rng), ReLU(), MaxPool2D(2), Flatten(), Dense.init(3, 2 * 13 * 13, rng=rng))
    )
    assert network.input_shape() is None and network.output_shape((1, 28, 28)) == (3,)
    assert network.describe().startswith("any -> Conv2D")
    assert network.logits(np.zeros((5, 1, 28, 28), dtype=np.float32)).shape == (5, 3)
    with pytest.raises(ShapeError, match="its output shape depends on the input shape"):
        _ = network.classes


def test_a_shape_preserving_layer_in_front_still_lets_the_network_know_its_input() -> None:
    network: Network[Any, Any] = Network((Tanh(), Reshape((1, 4, 4)), Conv2D.init(2, 1, kernel=3, rng=rng), Flatten()))
    assert network.input_shape() == (16,) and network.output_shape() == (8,)


def test_training_gradients_skip_the_input_gradient_of_the_first_layer_with_parameters() -> None:
    calls: list[str] = []

    class Counting(Conv2D[Any, Any]):
        def backward(self, dy: Any, cache: Any) -> Any:
            calls.append("backward")
            return super().backward(dy, cache)

        def parameter_gradients(self, dy: Any, cache: Any) -> Any:
            calls.append("parameter_gradients")
            return super().parameter_gradients(dy, cache)

    first = Conv2D.init(2, 1, kernel=3, rng=rng, dtype=np.float64)
    counting = Counting(weights=first.weights, bias=first.bias)
    network: Network[Any, Any] = Network(
        (Reshape((1, 5, 5)), counting, Tanh(), Flatten(), Dense.init(3, 18, rng=rng, dtype=np.float64))
    )
    images: np.ndarray[Any, Any] = np.random.default_rng(1).random((2, 25))
    batch = Batch.of(images).labelled(as_labels([0, 2], classes=3))
    _, grads = network.loss_and_gradients(batch)
    assert calls == ["parameter_gradients"]
    assert grads.layers[0] is network.layers[0]
    _, full = network.backward(np.ones((2, 3)), network.forward(batch.images)[1])
    assert calls[-1] == "backward" and full.parameter_names() == grads.parameter_names()


def test_typed_composition_runs_and_trains_one_step() -> None:
    first: Layer[Any, Any] = Reshape.to(C1, P28, P28)
    network = (
        Network.of(first)
        .then(Conv2D.init(Dim[Literal[4]](), C1, kernel=3, padding=1, rng=rng))
        .then(ReLU())
        .then(MaxPool2D(2))
        .then(Flatten.to(Dim[Literal[784]]()))
        .then(Dense.init(CLASSES, Dim[Literal[784]](), rng=rng))
    )
    batch = Batch.of(as_image_batch(np.random.default_rng(2).random((4, 784), dtype=np.float32))).labelled(
        as_labels([1, 2, 3, 4])
    )
    loss, grads = network.loss_and_gradients(batch)
    assert np.isfinite(loss) and grads.parameter_names() == network.parameter_names()
