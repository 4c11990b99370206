"""Shapes by construction and by check (Lean's type-safety theorems, which concluded True or rfl):
every operation's output has the documented shape for any batch size, and any other shape is refused."""

from typing import Any

import numpy as np
import pytest
from hypothesis import given, strategies as st
from strategies import batches, networks, seeds

from verified_nn.core import ShapeError, relu, softmax
from verified_nn.network import MLP, Dense, dense_forward, flatten, loss_and_gradients, unflatten

Array = np.ndarray[Any, Any]
Batch = tuple[Array, Array]
wrong_widths = st.integers(1, 2000).filter(lambda n: n != 784)


@given(networks(), batches(dtype=np.float32))
def test_every_stage_has_the_documented_shape_for_any_batch(mlp: MLP, batch: Batch) -> None:
    """(B, 784) -> hidden (B, 128) -> logits (B, 10) -> probabilities (B, 10); gradients shaped like params."""
    images, labels = batch
    size = len(labels)
    hidden, _ = dense_forward(mlp.layer1, images)
    assert hidden.shape == (size, 128) and relu(hidden).shape == (size, 128)
    assert mlp.logits(images).shape == (size, 10) and softmax(mlp.logits(images)).shape == (size, 10)
    assert mlp.forward_batch(images).shape == (size, 10) and mlp.predict(images).shape == (size,)
    assert mlp.forward(images[0]).shape == (10,)
    _, grads = loss_and_gradients(mlp, images, labels)
    assert [g.shape for g in (grads.layer1.weights, grads.layer1.bias, grads.layer2.weights, grads.layer2.bias)] == [
        (128, 784),
        (128,),
        (10, 128),
        (10,),
    ]
    assert flatten(grads).shape == (101_770,)


@given(networks(), st.integers(1, 8), wrong_widths)
def test_an_image_batch_of_any_other_width_is_refused_by_name(mlp: MLP, size: int, width: int) -> None:
    """A (B, n) batch with n != 784 raises ShapeError naming the argument and the width given."""
    with pytest.raises(ShapeError, match=rf"argument 'images' expected .*'batch 784'.*got float64\[{size},{width}\]"):
        mlp.forward_batch(np.zeros((size, width)))  # type: ignore[arg-type]


@given(networks(), st.integers(1, 8), st.integers(1, 8).filter(lambda n: n > 0))
def test_labels_of_another_batch_size_are_refused(mlp: MLP, size: int, extra: int) -> None:
    """Images and labels must agree on the batch size."""
    with pytest.raises(ShapeError, match=rf"argument 'labels'.*batch={size} from images"):
        loss_and_gradients(mlp, np.zeros((size, 784), dtype=mlp.dtype), np.zeros(size + extra, dtype=np.int64))


@given(seeds, st.integers(1, 300).filter(lambda n: n != 128))
def test_a_layer_of_the_wrong_width_cannot_join_the_network(seed: int, width: int) -> None:
    """layer2 must be (10, 128): a (10, n) layer with n != 128 is refused when the MLP is built."""
    rng = np.random.default_rng(seed)
    good = unflatten(rng.standard_normal(101_770))
    wrong: Dense[Any, Any] = Dense(weights=rng.standard_normal((10, width)), bias=np.zeros(10))
    with pytest.raises(ShapeError, match=rf"layer2.weights expected shape \(10, 128\), got \(10, {width}\)"):
        MLP(layer1=good.layer1, layer2=wrong)


@given(st.integers(1, 200_000).filter(lambda n: n != 101_770))
def test_a_parameter_vector_of_any_other_length_is_refused(length: int) -> None:
    """unflatten accepts exactly 101,770 numbers."""
    with pytest.raises(ShapeError, match=rf"got float64\[{length}\]"):
        unflatten(np.zeros(length))  # type: ignore[arg-type]
