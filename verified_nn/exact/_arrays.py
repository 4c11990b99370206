"""The array shapes of the float check, each one alias for mypy and for the runtime checks."""

from typing import TypeAlias

import numpy as np
from jaxtyping import Bool, Float64, Integer

from verified_nn.core import Floating

# (batch, features): images or any layer's inputs, float32 or float64.
Inputs: TypeAlias = Floating[np.ndarray, "batch features"]
# (batch, classes): float logits in the network's dtype.
Logits: TypeAlias = Floating[np.ndarray, "batch classes"]
# (batch, classes): bounds on |float logit - real logit|, always float64.
Bounds: TypeAlias = Float64[np.ndarray, "batch classes"]
# (batch,): one class index per image (-1 where none is known).
Classes: TypeAlias = Integer[np.ndarray, " batch"]
# (batch,): one flag per image.
Flags: TypeAlias = Bool[np.ndarray, " batch"]
# (batch,): one float64 number per image.
PerImage: TypeAlias = Float64[np.ndarray, " batch"]
