"""Hypothesis strategies, defined once: arrays of any valid shape and value, in float32 and float64."""

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

Array = np.ndarray[Any, Any]

float_dtypes: st.SearchStrategy[np.dtype[Any]] = st.sampled_from([np.dtype(np.float32), np.dtype(np.float64)])


@st.composite
def logits(draw: st.DrawFn, *, max_magnitude: float = 1e4, min_dims: int = 1, max_dims: int = 3) -> Array:
    """Logit arrays of shape (*batch, classes) with classes >= 1; values up to ``max_magnitude``."""
    dtype = draw(float_dtypes)
    shape = draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=12))
    elements = st.floats(-max_magnitude, max_magnitude, width=32)
    return draw(hnp.arrays(dtype, shape, elements=elements))


@st.composite
def logits_and_labels(draw: st.DrawFn, *, max_magnitude: float = 1e3) -> tuple[Array, Array]:
    """A (batch, classes) logit matrix and matching labels in [0, classes)."""
    dtype = draw(float_dtypes)
    batch = draw(st.integers(1, 16))
    classes = draw(st.integers(1, 12))
    elements = st.floats(-max_magnitude, max_magnitude, width=32)
    matrix = draw(hnp.arrays(dtype, (batch, classes), elements=elements))
    labels = draw(hnp.arrays(np.int64, (batch,), elements=st.integers(0, classes - 1)))
    return matrix, labels


@st.composite
def finite_arrays(draw: st.DrawFn) -> Array:
    """Any-shaped float arrays of moderate, finite values (standard normal times 10)."""
    dtype = draw(float_dtypes)
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=10))
    seed = draw(st.integers(0, 2**32 - 1))
    values: Array = np.random.default_rng(seed).standard_normal(shape) * 10
    return values.astype(dtype)
