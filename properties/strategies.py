"""Hypothesis strategies, defined once: arrays of any valid shape and value, in float32 and float64."""

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from verified_nn.core import as_image_batch, as_labels
from verified_nn.network import MLP, Dense, he_init

Array = np.ndarray[Any, Any]

float_dtypes: st.SearchStrategy[np.dtype[Any]] = st.sampled_from([np.dtype(np.float32), np.dtype(np.float64)])
seeds = st.integers(0, 2**32 - 1)


@st.composite
def logits(draw: st.DrawFn, *, max_magnitude: float = 1e4, min_dims: int = 1, max_dims: int = 3) -> Array:
    """Logit arrays of shape (*batch, classes) with classes >= 1; values up to ``max_magnitude``."""
    dtype = draw(float_dtypes)
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=12))
    elements = st.floats(-max_magnitude, max_magnitude, width=32)
    return draw(hnp.arrays(dtype, shape, elements=elements))


@st.composite
def logits_and_labels(draw: st.DrawFn, *, max_magnitude: float = 1e3, min_classes: int = 1) -> tuple[Array, Array]:
    """A (batch, classes) logit matrix and matching labels in [0, classes)."""
    dtype = draw(float_dtypes)
    batch = draw(st.integers(1, 16))
    classes = draw(st.integers(min_classes, 12))
    elements = st.floats(-max_magnitude, max_magnitude, width=32)
    matrix = draw(hnp.arrays(dtype, (batch, classes), elements=elements))
    labels = draw(hnp.arrays(np.int64, (batch,), elements=st.integers(0, classes - 1)))
    return matrix, labels


@st.composite
def finite_arrays(draw: st.DrawFn, *, scale: float = 10.0) -> Array:
    """Any-shaped float arrays of moderate, finite values (standard normal times ``scale``)."""
    dtype = draw(float_dtypes)
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=10))
    values: Array = np.random.default_rng(draw(seeds)).standard_normal(shape) * scale
    return values.astype(dtype)


@st.composite
def networks(draw: st.DrawFn, *, dtype: Any = None) -> MLP:
    """He-initialised networks with non-zero biases, in float32 or float64 (or the given dtype)."""
    chosen = dtype if dtype is not None else draw(float_dtypes)
    rng = np.random.default_rng(draw(seeds))
    mlp = he_init(rng, dtype=chosen)
    return MLP(
        layer1=Dense(weights=mlp.layer1.weights, bias=rng.normal(0, 0.1, 128).astype(chosen)),
        layer2=Dense(weights=mlp.layer2.weights, bias=rng.normal(0, 0.1, 10).astype(chosen)),
    )


@st.composite
def batches(draw: st.DrawFn, *, min_size: int = 1, max_size: int = 16, dtype: Any = np.float64) -> tuple[Array, Array]:
    """A batch of images in [0, 1] of shape (batch, 784) and labels in [0, 10)."""
    rng = np.random.default_rng(draw(seeds))
    size = draw(st.integers(min_size, max_size))
    return as_image_batch(rng.random((size, 784)), dtype=dtype), as_labels(rng.integers(0, 10, size=size))


@st.composite
def dense_problems(draw: st.DrawFn) -> tuple[Array, Array, Array, Array]:
    """A dense layer of any size with an input batch and an upstream gradient: (W, b, x, dy), float64."""
    rng = np.random.default_rng(draw(seeds))
    batch, fan_in, fan_out = draw(st.integers(1, 6)), draw(st.integers(1, 9)), draw(st.integers(1, 9))
    return (
        rng.standard_normal((fan_out, fan_in)),
        rng.standard_normal(fan_out),
        rng.standard_normal((batch, fan_in)),
        rng.standard_normal((batch, fan_out)),
    )
