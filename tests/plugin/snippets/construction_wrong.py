"""Construction: sizes that cannot build an array, and what a literal shape lets mypy catch later."""

from typing import Literal

import numpy as np


def forward(image: np.ndarray[tuple[Literal[784]], np.dtype[np.float64]]) -> None: ...


rng = np.random.default_rng(0)
np.zeros((3, -1))  # E: [shape] zeros: negative size -1 in shape (3, -1)
rng.random(size=(-2, 4))  # E: [shape] random: negative size -2 in shape (-2, 4)
np.ones(-5)  # E: [shape] ones: negative size -5 in shape (-5,)
np.empty((2, -3))  # E: [shape] empty: negative size -3 in shape (2, -3)
np.full((2, -2), 0.5)  # E: [shape] full: negative size -2 in shape (2, -2)
rng.standard_normal((4, -4))  # E: [shape] standard_normal: negative size -4 in shape (4, -4)
rng.normal(0.0, 1.0, size=-1)  # E: [shape] normal: negative size -1 in shape (-1,)
rng.uniform(0.0, 1.0, (-3,))  # E: [shape] uniform: negative size -3 in shape (-3,)
rng.integers(0, 10, size=(8, -8))  # E: [shape] integers: negative size -8 in shape (8, -8)
np.arange(0, 10, 0)  # E: [shape] arange: step 0
rng.choice(5, size=(3, -3))  # E: [shape] choice: negative size -3 in shape (3, -3)
forward(rng.random(100))  # E: [arg-type] Argument 1 to "forward" has incompatible type "ndarray[tuple[Literal[100]], dtype[float64]]"; expected "ndarray[tuple[Literal[784]], dtype[float64]]"
forward(np.zeros(28 * 27))  # E: [arg-type] Argument 1 to "forward" has incompatible type "ndarray[tuple[Literal[756]], dtype[float64]]"; expected "ndarray[tuple[Literal[784]], dtype[float64]]"
