"""Every public entry point's runtime check: it accepts good input, rejects bad input, and says why.

The bad calls carry ``type: ignore``: mypy rejects them statically too, which is the point of the
aliases; here the runtime layer is under test, as it is for callers without a type checker.
"""

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import verified_nn.core as core
import verified_nn.network as network
import verified_nn.optimizer as optimizer
from verified_nn.core import ShapeError

RNG = np.random.default_rng(7)
MLP64 = network.he_init(RNG, dtype=np.float64)
IMAGES = RNG.random((3, 784))
LABELS = np.array([1, 2, 3])
LOGITS = RNG.standard_normal((3, 10))
VECTOR = network.flatten(MLP64)
GOOD_DENSE = MLP64.layer2


def _momentum_update(grads: Any) -> Any:
    opt = optimizer.Momentum()
    return opt.update(grads, opt.init(MLP64), MLP64)


# name -> (good call, bad call, regex the error message must match)
CASES: dict[str, tuple[Callable[[], Any], Callable[[], Any], str]] = {
    "relu": (lambda: core.relu(LOGITS), lambda: core.relu(LABELS), r"relu: argument 'x' expected Floating"),
    "relu_derivative": (
        lambda: core.relu_derivative(LOGITS),
        lambda: core.relu_derivative(LOGITS.astype(np.float16)),
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
        lambda: core.cross_entropy(LOGITS, LABELS[:2]),
        r"cross_entropy: argument 'labels'.*got int64\[2\].*batch=3, classes=10 from logits",
    ),
    "cross_entropy_gradient": (
        lambda: core.cross_entropy_gradient(LOGITS, LABELS),
        lambda: core.cross_entropy_gradient(LOGITS[0], LABELS),
        r"argument 'logits' expected .*'batch classes'.*got float64\[10\]",
    ),
    "as_image": (
        lambda: core.as_image(np.zeros(784)),
        lambda: core.as_image(np.zeros(100)),
        r"as_image: expected shape \(784\), got \(100,\)",
    ),
    "as_image_batch": (
        lambda: core.as_image_batch(IMAGES),
        lambda: core.as_image_batch(np.zeros((3, 100))),
        r"as_image_batch: expected shape \(batch, 784\), got \(3, 100\)",
    ),
    "as_labels": (
        lambda: core.as_labels(LABELS),
        lambda: core.as_labels(np.zeros(3)),
        r"as_labels: expected an integer array, got float64",
    ),
    "Dense": (
        lambda: network.Dense(weights=np.zeros((3, 4)), bias=np.zeros(3)),
        lambda: network.Dense(weights=np.zeros((3, 4)), bias=np.zeros(4)),
        r"Dense: argument 'bias' expected Floating\[ndarray, 'out'\], got float64\[4\] "
        r"\(out=3, in=4 from weights: float64\[3,4\]\)",
    ),
    "MLP": (
        lambda: network.MLP(layer1=MLP64.layer1, layer2=GOOD_DENSE),
        lambda: network.MLP(
            layer1=MLP64.layer1,
            layer2=network.Dense(weights=np.zeros((10, 100)), bias=np.zeros(10)),  # type: ignore[arg-type]
        ),
        r"MLP: layer2.weights expected shape \(10, 128\), got \(10, 100\)",
    ),
    "MLP.forward": (
        lambda: MLP64.forward(IMAGES[0]),
        lambda: MLP64.forward(np.zeros(100)),  # type: ignore[arg-type]
        r"MLP.forward: argument 'image' expected Floating\[ndarray, '784'\], got float64\[100\]",
    ),
    "MLP.forward_batch": (
        lambda: MLP64.forward_batch(IMAGES),
        lambda: MLP64.forward_batch(IMAGES[0]),
        r"MLP.forward_batch: argument 'images' expected .*'batch 784'.*got float64\[784\]",
    ),
    "MLP.logits": (
        lambda: MLP64.logits(IMAGES),
        lambda: MLP64.logits(IMAGES.T),
        r"MLP.logits: argument 'images'.*got float64\[784,3\]",
    ),
    "MLP.predict": (
        lambda: MLP64.predict(IMAGES),
        lambda: MLP64.predict(IMAGES[:, :100]),
        r"MLP.predict: argument 'images'.*got float64\[3,100\]",
    ),
    "loss_and_gradients": (
        lambda: network.loss_and_gradients(MLP64, IMAGES, LABELS),
        lambda: network.loss_and_gradients(MLP64, IMAGES, LABELS.astype(np.float64)),
        r"loss_and_gradients: argument 'labels' expected Integer.*got float64\[3\]",
    ),
    "loss": (
        lambda: network.loss(MLP64, IMAGES, LABELS),
        lambda: network.loss(MLP64, IMAGES[:, :10], LABELS),
        r"loss: argument 'images'.*got float64\[3,10\]",
    ),
    "flatten": (lambda: network.flatten(MLP64), lambda: network.flatten(VECTOR), r"flatten: argument 'mlp'"),  # type: ignore[arg-type]
    "unflatten": (
        lambda: network.unflatten(VECTOR),
        lambda: network.unflatten(VECTOR[:-1]),
        r"unflatten: argument 'vector' expected Floating\[ndarray, '101770'\], got float64\[101769\]",
    ),
    "global_norm": (lambda: network.global_norm(MLP64), lambda: network.global_norm(VECTOR), r"global_norm"),  # type: ignore[arg-type]
    "Optimizer.update": (
        lambda: optimizer.SGD().update(MLP64, optimizer.SGDState(), MLP64),
        lambda: optimizer.SGD().update(VECTOR, optimizer.SGDState(), MLP64),  # type: ignore[arg-type]
        r"Optimizer.update: argument 'grads' expected MLP, got float64\[101770\]",
    ),
    "Momentum.update": (
        lambda: _momentum_update(MLP64),
        lambda: _momentum_update(VECTOR),
        r"Optimizer.update: argument \'grads\' expected MLP",
    ),
    "Optimizer.step": (
        lambda: optimizer.SGD().step(MLP64, optimizer.SGDState(), IMAGES, LABELS),
        lambda: optimizer.SGD().step(MLP64, optimizer.SGDState(), IMAGES, LABELS[:1]),
        r"Optimizer.step: argument 'labels'.*got int64\[1\] \(batch=3 from images: float64\[3,784\]\)",
    ),
    "clip_by_global_norm": (
        lambda: optimizer.clip_by_global_norm(MLP64, max_norm=1.0),
        lambda: optimizer.clip_by_global_norm(MLP64, max_norm="1"),  # type: ignore[arg-type]
        r"clip_by_global_norm: argument 'max_norm' expected float, got str '1'",
    ),
}


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
        MLP64.forward(np.zeros(100))  # type: ignore[arg-type]
    assert "\n" not in str(caught.value)


def test_the_table_covers_every_checked_public_entry_point() -> None:
    checked = set()
    for module in (core, network, optimizer):
        for name, value in vars(module).items():
            if name.startswith("_"):
                continue
            if core.is_checked(value):
                checked.add(name)
            if inspect.isclass(value):
                for attribute, member in vars(value).items():
                    if attribute != "__init__" and core.is_checked(member):
                        checked.add(f"{name}.{attribute}")
    assert checked, "no checked entry point found: is VERIFIED_NN_RUNTIME_CHECKS off?"
    assert checked <= set(CASES), f"entry points without a runtime-check test: {sorted(checked - set(CASES))}"
