"""Clipping gradients by their global norm."""

from verified_nn.core import checked
from verified_nn.network import MLP, global_norm, map_parameters

from ._validate import require_positive


@checked
def clip_by_global_norm(grads: MLP, *, max_norm: float) -> tuple[MLP, float]:
    """Scale ``grads`` by ``max_norm / norm`` when their global norm exceeds ``max_norm``.

    Returns ``(clipped, norm)`` where ``norm`` is the global norm before clipping. The direction is kept;
    gradients whose norm is at most ``max_norm`` come back unchanged (the same object).
    """
    require_positive("max_norm", max_norm)
    norm = global_norm(grads)
    if norm <= max_norm:
        return grads, norm
    scale = max_norm / norm
    return map_parameters(lambda g: g * scale, grads), norm
