"""The error code ``shape`` can be targeted: strict mypy reports an unused ignore, so this one is used."""

import numpy as np

a = np.zeros((3, 4))
b = np.zeros((5, 4))
c = a @ b  # type: ignore[shape]
