"""Clipping gradients by their global norm."""

from typing import Any, TypeVar

from verified_nn.layers import Layer
from verified_nn.network import global_norm, map_unchecked

from ._validate import require_positive

TreeT = TypeVar("TreeT", bound=Layer[Any, Any])


def clip_by_global_norm(grads: TreeT, *, max_norm: float) -> tuple[TreeT, float]:
    """Scale ``grads`` by ``max_norm / norm`` when their global norm exceeds ``max_norm``.

    Returns ``(clipped, norm)`` where ``norm`` is the global norm before clipping. The direction is kept;
    gradients whose norm is at most ``max_norm`` come back unchanged (the same object).
    """
    require_positive("max_norm", max_norm)
    norm = global_norm(grads)
    if norm <= max_norm:
        return grads, norm
    scale = max_norm / norm
    return map_unchecked(lambda g: g * scale, grads), norm
