"""Parameters in the bounds' dtype, converted once per layer and dtype (float32 widens to float64 exactly)."""

import weakref
from collections.abc import Callable
from typing import Any, TypeAlias

import numpy as np

Array: TypeAlias = np.ndarray[Any, Any]

_CACHE: dict[tuple[int, str, str], tuple[weakref.ref[Any], Any]] = {}


def cached(layer: Any, name: str, dtype: Any, make: Callable[[], Any]) -> Any:
    """``make()`` for ``(layer, name, dtype)``, computed once while ``layer`` lives (layers are frozen values)."""
    key = (id(layer), name, np.dtype(dtype).str)
    found = _CACHE.get(key)
    if found is not None and found[0]() is layer:
        return found[1]
    value = make()
    _CACHE[key] = (weakref.ref(layer, lambda _: _CACHE.pop(key, None)), value)
    return value
