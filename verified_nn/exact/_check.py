"""The float check: enclose every image's real logits, decide its class, and settle the rest exactly."""

import dataclasses
import time
from typing import Any, Final

import numpy as np

from verified_nn.core import checked
from verified_nn.network import Network

from ._arrays import Inputs
from ._audit import Audit, audit
from ._balls import ball_classes, flint_available, rational
from ._decide import NO_CLASS, decided_by_bound, float_classes
from ._enclose import enclose, error_bounds
from ._environment import probe_float_environment
from ._errors import FloatCheckError
from ._rational import exact_classes, exact_logits
from ._report import FloatCheckReport, Outcome

Array = np.ndarray[Any, Any]

BATCH: Final = 2_000  # images per float pass, as the library's evaluate uses
EXACT_BATCH: Final = 64  # images per exact integer pass


@dataclasses.dataclass(frozen=True)
class _Bounded:
    """The float pass and the bound over all images, the batches put back together."""

    inputs: Array  # (n, in) in the network's dtype
    logits: Array  # (n, classes) float logits
    bounds: Array  # (n, classes) float64
    decided: Array  # (n,) bool


def _inputs(network: Network[Any, Any], images: Array) -> Array:
    """The images as the float network sees them (in its dtype); FloatCheckError for anything else."""
    array: Array = np.asarray(images)
    shape = network.input_shape()
    if array.ndim < 1 or (shape is not None and array.shape[1:] != shape):
        raise FloatCheckError(f"inputs must have shape (batch, {', '.join(map(str, shape or ()))}), got {array.shape}")
    if array.dtype.kind != "f":
        raise FloatCheckError(f"inputs must be floats, got {array.dtype}")
    array = array.astype(network.dtype, copy=False)
    if not np.isfinite(array).all():
        raise FloatCheckError("inputs must be finite")
    return array


def _bound_all(network: Network[Any, Any], images: Array) -> _Bounded:
    parts = []
    for first in range(0, len(images), BATCH):
        inputs = images[first : first + BATCH]
        logits = network.logits(inputs)  # the library's own float pass, as evaluate and predict run it
        lower, upper = enclose(network, inputs)
        # Decided where the float class's real enclosure lies above every other's (then it is the real class).
        middle, half = (
            (lower + upper) / 2,
            np.nextafter(np.maximum(upper - (lower + upper) / 2, (lower + upper) / 2 - lower), np.inf),
        )
        decided = decided_by_bound(middle, half) & (float_classes(middle) == float_classes(logits))
        parts.append((inputs, logits, error_bounds(logits, lower, upper), decided))
    if not parts:
        empty = np.zeros((0, network.classes), dtype=network.dtype)
        return _Bounded(images[:0], empty, empty.astype(np.float64), np.zeros(0, bool))
    inputs, logits, bounds, decided = (np.concatenate(column) for column in zip(*parts, strict=True))
    return _Bounded(inputs, logits, bounds, decided)


def _margins(logits: Array) -> Array:
    if logits.shape[1] < 2:
        return np.full(len(logits), np.inf)
    ordered = np.sort(logits.astype(np.float64), axis=1)
    result: Array = ordered[:, -1] - ordered[:, -2]
    return result


def _settle(network: Network[Any, Any], inputs: Array, predicted: Array) -> tuple[Array, Array]:
    """Outcomes and real classes of the images the bound left open (``inputs`` in the network's dtype)."""
    outcomes = np.full(len(inputs), Outcome.UNDECIDED, dtype=np.int8)
    real = np.full(len(inputs), NO_CLASS, dtype=np.int64)
    if not rational(network):
        if not flint_available():
            return outcomes, real
        found = ball_classes(network, inputs)
        known = found != NO_CLASS
        real[known] = found[known]
        outcomes[known] = np.where(found[known] == predicted[known], Outcome.EXACT, Outcome.DISAGREE)
        return outcomes, real
    for start in range(0, len(inputs), EXACT_BATCH):
        part = slice(start, start + EXACT_BATCH)
        classes, ties = exact_classes(exact_logits(network, inputs[part]))
        real[part] = np.where(ties, NO_CLASS, classes)
        outcomes[part] = np.where(
            ties, Outcome.TIE, np.where(classes == predicted[part], Outcome.EXACT, Outcome.DISAGREE)
        )
    return outcomes, real


def _audit_sample(network: Network[Any, Any], bounded: _Bounded, size: int) -> Audit | None:
    count = len(bounded.inputs)
    if size <= 0 or count == 0 or not rational(network):
        return None
    sample = np.unique(np.linspace(0, count - 1, min(size, count)).round().astype(np.int64))
    return audit(
        network, bounded.inputs[sample], bounded.logits[sample], bounded.bounds[sample], bounded.decided[sample]
    )


def describe(network: Network[Any, Any]) -> str:
    """``float32 784-128-10 relu`` for an MLP, ``float32`` and the layers otherwise."""
    from verified_nn.layers import Activation, Dense, Dropout

    layers = [layer for layer in network.layers if not isinstance(layer, Dropout)]
    dense = [layer for layer in layers if isinstance(layer, Dense)]
    activations = [layer for layer in layers if isinstance(layer, Activation)]
    if len(dense) + len(activations) == len(layers) and dense:
        widths = [dense[0].shape[1], *(layer.shape[0] for layer in dense)]
        names = ",".join(dict.fromkeys(layer.kind for layer in activations)) or "linear"
        return f"{network.dtype} {'-'.join(map(str, widths))} {names}"
    return f"{network.dtype} {network.describe()}"


@checked
def float_check(
    network: Network[Any, Any], images: Inputs, *, settle: bool = True, audit_size: int = 0
) -> FloatCheckReport:
    """Decide for every image whether the float forward pass predicts the class real arithmetic gives.

    The float pass (``Network.logits``, in the network's dtype) runs in batches of 2,000; a rigorous
    enclosure of every real logit (the bound core, float64, rounded outward) decides most images; the
    others are settled by an exact pass (integers for networks of rational layers, balls past a tanh or a
    sigmoid) unless ``settle`` is False. With ``audit_size``, that many images spread evenly over the batch
    are also recomputed exactly and every float logit is compared with its bound (rational networks only;
    timed apart from the check).

    Args:
        network: any network whose layers have bound rules, in float32 or float64.
        images: ``(batch, *input)`` floats; converted to the network's dtype as its first layer does.
    Returns:
        The report: per-image outcomes, classes, bounds and margins, and the time taken.
    """
    start = time.perf_counter()
    for dtype in {network.dtype, np.dtype(np.float64)}:  # the network's arithmetic, and the bound's own
        probe_float_environment(dtype)
    bounded = _bound_all(network, _inputs(network, images))
    predicted = float_classes(bounded.logits)
    outcomes = np.where(bounded.decided, Outcome.BOUND, Outcome.UNDECIDED).astype(np.int8)
    real = np.where(bounded.decided, predicted, NO_CLASS)
    open_images = np.nonzero(~bounded.decided)[0]
    if settle and open_images.size:
        outcomes[open_images], real[open_images] = _settle(network, bounded.inputs[open_images], predicted[open_images])
    seconds = time.perf_counter() - start
    audited = _audit_sample(network, bounded, audit_size)
    return FloatCheckReport(
        network=describe(network),
        float_classes=predicted,
        real_classes=real,
        outcomes=outcomes,
        bounds=bounded.bounds,
        margins=_margins(bounded.logits),
        seconds=seconds,
        audit=audited,
        audit_seconds=time.perf_counter() - start - seconds,
    )
