"""Every public entry point's runtime check: it accepts good input, rejects bad input, and says why.

The bad calls carry ``type: ignore``: mypy rejects them statically too, which is the point of the
aliases; here the runtime layer is under test, as it is for callers without a type checker.
"""

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import verified_nn.core as core
import verified_nn.layers as layers
import verified_nn.network as network
import verified_nn.optimizer as optimizer
from verified_nn.core import ShapeError

RNG = np.random.default_rng(7)
NET = network.default_network(RNG, dtype=np.float64)
IMAGES = RNG.random((3, 784))
LABELS = np.arange(1, 4)  # [1, 2, 3]: a static shape (3,) like IMAGES' batch
LOGITS = RNG.standard_normal((3, 10))
VECTOR = network.flatten(NET)
DENSE = NET.layers[2]
assert isinstance(DENSE, layers.Dense)
BATCH = network.Batch.of(IMAGES).labelled(LABELS)
HIDDEN = RNG.random((3, 128))
_, DENSE_CACHE = DENSE.forward(HIDDEN)
_, RELU_CACHE = layers.ReLU().forward(HIDDEN)
_, DROP_CACHE = layers.Dropout(0.5).forward(HIDDEN, mode=layers.Mode.train(1))


def _momentum_update(grads: Any) -> Any:
    opt = optimizer.Momentum()
    return opt.update(grads, opt.init(NET), NET)


# name -> (good call, bad call, regex the error message must match)
CASES: dict[str, tuple[Callable[[], Any], Callable[[], Any], str]] = {
    "relu": (lambda: core.relu(LOGITS), lambda: core.relu(LABELS), r"relu: argument 'x' expected Floating"),
    "relu_derivative": (
        lambda: core.relu_derivative(LOGITS),
        lambda: core.relu_derivative(LOGITS.astype(np.float16)),  # type: ignore[shape]
        r"argument 'x' .*got float16\[3,10\]",
    ),
    "leaky_relu": (
        lambda: core.leaky_relu(LOGITS),
        lambda: core.leaky_relu([1.0]),  # type: ignore[arg-type]
        r"argument 'x'.*got list \[1.0\]",
    ),
    "leaky_relu_derivative": (
        lambda: core.leaky_relu_derivative(LOGITS),
        lambda: core.leaky_relu_derivative(LABELS),
        r"argument 'x'.*got int64\[3\]",
    ),
    "tanh": (lambda: core.tanh(LOGITS), lambda: core.tanh(LABELS), r"tanh: argument 'x'.*got int64\[3\]"),
    "tanh_derivative": (
        lambda: core.tanh_derivative(LOGITS),
        lambda: core.tanh_derivative(LOGITS.astype(np.float16)),  # type: ignore[shape]
        r"tanh_derivative: argument 'x'.*got float16\[3,10\]",
    ),
    "softmax": (
        lambda: core.softmax(LOGITS),
        lambda: core.softmax(np.float64(1.0)),  # type: ignore[arg-type]
        r"softmax: argument 'logits'",
    ),
    "log_softmax": (
        lambda: core.log_softmax(LOGITS),
        lambda: core.log_softmax(LABELS),
        r"log_softmax: argument 'logits'.*got int64\[3\]",
    ),
    "logsumexp": (
        lambda: core.logsumexp(LOGITS),
        lambda: core.logsumexp(LABELS),
        r"logsumexp: argument 'logits'",
    ),
    "cross_entropy": (
        lambda: core.cross_entropy(LOGITS, LABELS),
        lambda: core.cross_entropy(LOGITS, LABELS[:2]),  # type: ignore[shape]
        r"cross_entropy: argument 'labels'.*got int64\[2\].*batch=3, classes=10 from logits",
    ),
    "cross_entropy_gradient": (
        lambda: core.cross_entropy_gradient(LOGITS, LABELS),
        lambda: core.cross_entropy_gradient(LOGITS[0], LABELS),  # type: ignore[arg-type]
        r"argument 'logits' expected .*'batch classes'.*got float64\[10\]",
    ),
    "as_image": (
        lambda: core.as_image(np.zeros(784)),
        lambda: core.as_image(np.zeros(100)),  # type: ignore[shape]
        r"as_image: expected shape \(784\), got \(100,\)",
    ),
    "as_image_batch": (
        lambda: core.as_image_batch(IMAGES),
        lambda: core.as_image_batch(np.zeros((3, 100))),  # type: ignore[shape]
        r"as_image_batch: expected shape \(batch, 784\), got \(3, 100\)",
    ),
    "as_labels": (
        lambda: core.as_labels(LABELS),
        lambda: core.as_labels(np.zeros(3)),  # type: ignore[shape]
        r"as_labels: expected an integer array, got float64",
    ),
    "Dense": (
        lambda: layers.Dense(weights=np.zeros((3, 4)), bias=np.zeros(3)),
        lambda: layers.Dense(weights=np.zeros((3, 4)), bias=np.zeros(4)),  # type: ignore[shape]
        r"Dense: argument 'bias' expected float64\[3\] \(out=3 from weights: float64\[3,4\]\), got float64\[4\]",
    ),
    "Dense.forward": (
        lambda: DENSE.forward(HIDDEN),
        lambda: DENSE.forward(IMAGES),
        r"Dense.forward: argument 'x' expected float\[batch, 128\], got float64\[3,784\]",
    ),
    "Dense.backward": (
        lambda: DENSE.backward(LOGITS, DENSE_CACHE),
        lambda: DENSE.backward(LOGITS[:, :5], DENSE_CACHE),
        r"Dense.backward: argument 'dy' expected float64\[3,10\], got float64\[3,5\]",
    ),
    "Dense.parameter_gradients": (
        lambda: DENSE.parameter_gradients(LOGITS, DENSE_CACHE),
        lambda: DENSE.parameter_gradients(LOGITS.astype(np.float32), DENSE_CACHE),
        r"Dense.backward: argument 'dy' expected float64\[3,10\], got float32\[3,10\]",
    ),
    "Activation.forward": (
        lambda: layers.Tanh().forward(HIDDEN),
        lambda: layers.Tanh().forward(LABELS),
        r"Tanh.forward: argument 'x' expected float\[batch, \.\.\.\], got int64\[3\]",
    ),
    "Activation.backward": (
        lambda: layers.ReLU().backward(HIDDEN, RELU_CACHE),
        lambda: layers.ReLU().backward(HIDDEN[:2], RELU_CACHE),  # type: ignore[shape]
        r"ReLU.backward: argument 'dy' expected float64\[3,128\], got float64\[2,128\]",
    ),
    "Dropout.forward": (
        lambda: layers.Dropout(0.5).forward(HIDDEN, mode=layers.Mode.train(1)),
        lambda: layers.Dropout(0.5).forward([1.0]),  # type: ignore[arg-type]
        r"Dropout.forward: argument 'x' expected float\[batch, \.\.\.\], got list \[1.0\]",
    ),
    "Dropout.backward": (
        lambda: layers.Dropout(0.5).backward(HIDDEN, DROP_CACHE),
        lambda: layers.Dropout(0.5).backward(HIDDEN[:, :3], DROP_CACHE),  # type: ignore[shape]
        r"Dropout.backward: argument 'dy' has shape \(3, 3\), the mask \(3, 128\)",
    ),
    "Normalize.forward": (
        lambda: layers.Normalize((128,), (0.5,) * 128, (2.0,) * 128).forward(HIDDEN),
        lambda: layers.Normalize((5,), (0.5,) * 5, (2.0,) * 5).forward(HIDDEN),  # type: ignore[shape]
        r"Normalize.forward: constants of shape \(5,\) do not fit samples float64\[3,128\]",
    ),
    "Normalize.backward": (
        lambda: layers.Normalize((), (0.5,), (2.0,)).backward(HIDDEN, None),
        lambda: layers.Normalize((), (0.5,), (2.0,)).backward([1.0], None),  # type: ignore[arg-type]
        r"Normalize.backward: argument 'dy' expected a float array, got list \[1.0\]",
    ),
    "Network": (
        lambda: network.Network(NET.layers),
        lambda: network.Network(
            (NET.layers[0], layers.ReLU(), layers.Dense(weights=np.zeros((10, 100)), bias=np.zeros(10)))
        ),
        r"Network: layer 2: Dense\(100 -> 10\) takes inputs of width 100, got 128",
    ),
    "Network.forward": (
        lambda: NET.forward(IMAGES),
        lambda: NET.forward(np.zeros(100)),  # type: ignore[arg-type]
        r"Network.forward: argument 'x' expected float\[batch, 784\], got float64\[100\]",
    ),
    "Network.logits": (
        lambda: NET.logits(IMAGES),
        lambda: NET.logits(IMAGES.T),  # type: ignore[arg-type]
        r"Network.forward: argument 'x' expected float\[batch, 784\], got float64\[784,3\]",
    ),
    "Network.probabilities": (
        lambda: NET.probabilities(IMAGES),
        lambda: NET.probabilities(IMAGES[0]),  # type: ignore[arg-type]
        r"argument 'x' expected float\[batch, 784\], got float64\[784\]",
    ),
    "Network.predict": (
        lambda: NET.predict(IMAGES),
        lambda: NET.predict(IMAGES[:, :100]),  # type: ignore[arg-type]
        r"argument 'x' expected float\[batch, 784\], got float64\[3,100\]",
    ),
    "Network.backward": (
        lambda: NET.backward(LOGITS, NET.forward(IMAGES)[1]),
        lambda: NET.backward(LOGITS[:, :3], NET.forward(IMAGES)[1]),  # type: ignore[arg-type]
        r"Dense.backward: argument 'dy' expected float64\[3,10\], got float64\[3,3\]",
    ),
    "Network.loss": (
        lambda: NET.loss(BATCH),
        lambda: NET.loss(network.Batch.of(IMAGES[:, :10]).labelled(LABELS)),  # type: ignore[arg-type]
        r"Network.loss: argument 'batch.images' expected float\[batch, 784\], got float64\[3,10\]",
    ),
    "Network.loss_and_gradients": (
        lambda: NET.loss_and_gradients(BATCH),
        lambda: NET.loss_and_gradients((IMAGES, LABELS)),  # type: ignore[arg-type]
        r"Network.loss_and_gradients: expected a Batch \(Batch.of\(images\).labelled\(labels\)\), got tuple",
    ),
    "Batch": (
        lambda: network.Batch(IMAGES, LABELS),
        lambda: network.Batch(IMAGES, LABELS.astype(np.float64)),  # type: ignore[shape]
        r"Batch: argument 'labels' expected int\[batch\], got float64\[3\]",
    ),
    "Unlabelled.labelled": (
        lambda: network.Batch.of(IMAGES).labelled(LABELS),
        lambda: network.Batch.of(IMAGES).labelled(LABELS[:1]),  # type: ignore[arg-type]
        r"Batch: argument 'labels' expected int\[3\] \(batch=3 from images: float64\[3,784\]\), got int64\[1\]",
    ),
    "unflatten": (
        lambda: network.unflatten(VECTOR, like=NET),
        lambda: network.unflatten(VECTOR[:-1], like=NET),
        r"unflatten: expected shape \(101770\), got \(101769,\)",
    ),
    "map_parameters": (
        lambda: network.map_parameters(np.add, NET, NET),
        lambda: network.map_parameters(np.add, NET, NET.astype(np.float32)),
        r"map_parameters \(tree 1\): parameter 0.weight is float64\[128,784\] in one tree and float32\[128,784\]",
    ),
    "check_same_structure": (
        lambda: network.check_same_structure(NET, NET),
        lambda: network.check_same_structure(NET, network.Network(NET.layers[:1])),
        r"trees: the trees differ in structure",
    ),
    "Optimizer.update": (
        lambda: optimizer.SGD().update(NET, optimizer.SGDState(), NET),
        lambda: optimizer.SGD().update(VECTOR, optimizer.SGDState(), NET),
        r"SGD.update: grads: the trees differ in structure",
    ),
    "Momentum.update": (
        lambda: _momentum_update(NET),
        lambda: _momentum_update(NET.astype(np.float32)),
        r"Momentum.update: grads: parameter 0.weight is float64\[128,784\] in one tree and float32",
    ),
    "Optimizer.step": (
        lambda: optimizer.SGD().step(NET, optimizer.SGDState(), BATCH),
        lambda: optimizer.SGD().step(NET, optimizer.SGDState(), network.Batch.of(IMAGES[:, :5]).labelled(LABELS)),
        r"SGD.step: argument 'batch.images' expected float\[batch, 784\], got float64\[3,5\]",
    ),
}


# Convolutional layers and networks.
IMAGE_BATCH = RNG.random((3, 2, 6, 6))
CONV = layers.Conv2D.init(4, 2, kernel=3, padding=1, rng=RNG, dtype=np.float64)
CONV_OUT, CONV_CACHE = CONV.forward(IMAGE_BATCH)
MAX_OUT, MAX_CACHE = layers.MaxPool2D(2).forward(IMAGE_BATCH)
AVG_OUT, AVG_CACHE = layers.AvgPool2D(2).forward(IMAGE_BATCH)
FLAT_OUT, FLAT_CACHE = layers.Flatten().forward(IMAGE_BATCH)
CASES.update(
    {
        "Conv2D": (
            lambda: layers.Conv2D(weights=np.zeros((3, 2, 3, 3)), bias=np.zeros(3)),
            lambda: layers.Conv2D(weights=np.zeros((3, 2, 3, 3)), bias=np.zeros(2)),  # type: ignore[shape]
            r"Conv2D: argument 'bias' expected float64\[3\] \(out=3 from weights: float64\[3,2,3,3\]\), got float64\[2\]",
        ),
        "Conv2D.forward": (
            lambda: CONV.forward(IMAGE_BATCH),
            lambda: CONV.forward(IMAGES),  # type: ignore[arg-type]
            r"Conv2D.forward: argument 'x' expected float\[batch, 2, height, width\], got float64\[3,784\]",
        ),
        "Conv2D.backward": (
            lambda: CONV.backward(CONV_OUT, CONV_CACHE),
            lambda: CONV.backward(IMAGE_BATCH, CONV_CACHE),  # type: ignore[arg-type]
            r"Conv2D.backward: argument 'dy' expected float64\[3,4,6,6\], got float64\[3,2,6,6\]",
        ),
        "Conv2D.parameter_gradients": (
            lambda: CONV.parameter_gradients(CONV_OUT, CONV_CACHE),
            lambda: CONV.parameter_gradients(CONV_OUT.astype(np.float32), CONV_CACHE),
            r"Conv2D.backward: argument 'dy' expected float64\[3,4,6,6\], got float32\[3,4,6,6\]",
        ),
        "MaxPool2D.forward": (
            lambda: layers.MaxPool2D(2).forward(IMAGE_BATCH),
            lambda: layers.MaxPool2D(7).forward(IMAGE_BATCH),
            r"MaxPool2D.forward \(MaxPool2D\(7x7, stride 7, padding 0\)\): the 7x7 kernel does not fit the 6x6 input",
        ),
        "MaxPool2D.backward": (
            lambda: layers.MaxPool2D(2).backward(MAX_OUT, MAX_CACHE),
            lambda: layers.MaxPool2D(2).backward(IMAGE_BATCH, MAX_CACHE),
            r"MaxPool2D.backward: argument 'dy' expected float64\[3,2,3,3\], got float64\[3,2,6,6\]",
        ),
        "AvgPool2D.forward": (
            lambda: layers.AvgPool2D(2).forward(IMAGE_BATCH),
            lambda: layers.AvgPool2D(2).forward(HIDDEN),  # type: ignore[arg-type]
            r"AvgPool2D.forward: argument 'x' expected float\[batch, channels, height, width\], got float64\[3,128\]",
        ),
        "AvgPool2D.backward": (
            lambda: layers.AvgPool2D(2).backward(AVG_OUT, AVG_CACHE),
            lambda: layers.AvgPool2D(2).backward(AVG_OUT.astype(np.float32), AVG_CACHE),
            r"AvgPool2D.backward: argument 'dy' expected float64\[3,2,3,3\], got float32\[3,2,3,3\]",
        ),
        "Flatten.forward": (
            lambda: layers.Flatten(72).forward(IMAGE_BATCH),
            lambda: layers.Flatten(70).forward(IMAGE_BATCH),
            r"Flatten: declared width 70, but inputs of shape \(2, 6, 6\) flatten to 2 \* 6 \* 6 = 72",
        ),
        "Flatten.backward": (
            lambda: layers.Flatten().backward(FLAT_OUT, FLAT_CACHE),
            lambda: layers.Flatten().backward(FLAT_OUT[:, :5], FLAT_CACHE),
            r"Flatten.backward: argument 'dy' expected float\[3,72\], got float64\[3,5\]",
        ),
        "Reshape.forward": (
            lambda: layers.Reshape((1, 28, 28)).forward(IMAGES),
            lambda: layers.Reshape((1, 28, 28)).forward(HIDDEN),
            r"Reshape.forward: argument 'x' expected float\[batch, 784\], got float64\[3,128\]",
        ),
        "Reshape.backward": (
            lambda: layers.Reshape((2, 6, 6)).backward(IMAGE_BATCH, None),
            lambda: layers.Reshape((2, 6, 6)).backward(IMAGES, None),  # type: ignore[arg-type]  # mypy (shape plugin) refuses it too
            r"Reshape.backward: argument 'dy' expected float\[batch, 2, 6, 6\], got float64\[3,784\]",
        ),
        "output_size": (
            lambda: layers.output_size((6, 6), (3, 3), (1, 1), (0, 0), where="f"),
            lambda: layers.output_size((2, 6), (3, 3), (1, 1), (0, 0), where="f"),
            r"f: the 3x3 kernel does not fit the 2x6 input: height \(h \+ 2p - k\) // s \+ 1 = \(2 \+ 2\*0 - 3\)",
        ),
        "cnn": (
            lambda: network.cnn((2,), rng=RNG),
            lambda: network.cnn((2, 2, 2), image=(1, 5, 5), rng=RNG),  # type: ignore[shape]  # mypy (shape plugin) refuses it too
            r"the 2x2 kernel does not fit the 1x1 input",
        ),
    }
)


@pytest.mark.parametrize("name", sorted(CASES))
def test_runtime_check_accepts_good_input(name: str) -> None:
    CASES[name][0]()


@pytest.mark.parametrize("name", sorted(CASES))
def test_runtime_check_rejects_bad_input_with_a_message_naming_it(name: str) -> None:
    _, bad, message = CASES[name]
    with pytest.raises(ShapeError, match=message):
        bad()


def test_shape_error_summary_is_one_line() -> None:
    with pytest.raises(ShapeError) as caught:
        NET.logits(np.zeros(100))  # type: ignore[arg-type]
    assert "\n" not in str(caught.value)


# The public names of layers, network and optimizer that take no arrays (or only through a row above).
WITHOUT_ARRAYS = {
    "activation_kinds",
    "layer_class",
    "EVAL",
    "Mode",
    "SCHEMES",
    "ShapePreserving",
    "Layer",
    "LeakyReLU",
    "ReLU",
    "Tanh",
    "Sigmoid",
    "Activation",
    "activation_named",
    "layer_config",
    "layer_from_config",
    "layer_kinds",
    "register_layer",
    "require_batch",
    "Dropout",
    "CLASSES",
    "HIDDEN",
    "INPUT",
    "DefaultNetwork",
    "default_network",
    "float_dtype",
    "mlp",
    "ParameterVector",
    "Unlabelled",
    "backprop",
    "batch_loss",
    "map_unchecked",
    "parameter_count",
    "parameter_names",
    "parameters",
    "flatten",
    "global_norm",
    "OPTIMIZERS",
    "SGD",
    "SGDState",
    "Momentum",
    "MomentumState",
    "Adam",
    "AdamState",
    "AdamW",
    "Optimizer",
    "optimizer_from_config",
    "optimizer_named",
    "state_trees",
    "clip_by_global_norm",
}


# The base of the poolings (checked through MaxPool2D and AvgPool2D above) and the image-batch shape alias.
WITHOUT_ARRAYS |= {"Pool2D", "Maps"}


def test_the_table_covers_every_checked_public_entry_point() -> None:
    checked = set()
    for name, value in vars(core).items():
        if not name.startswith("_") and core.is_checked(value):
            checked.add(name)
    assert checked, "no checked entry point found: is VERIFIED_NN_RUNTIME_CHECKS off?"
    assert checked <= set(CASES), f"entry points without a runtime-check test: {sorted(checked - set(CASES))}"
    public = {name for module in (layers, network, optimizer) for name in vars(module) if not name.startswith("_")}
    covered = {name.split(".")[0] for name in CASES} | WITHOUT_ARRAYS
    assert public - {"annotations"} <= covered, f"decide for each new public name: {sorted(public - covered)}"
