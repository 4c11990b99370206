"""The float check: bound every image's float logits against the real ones, and settle the rest exactly."""

import dataclasses
import time
from typing import Final

import numpy as np

from verified_nn.core import checked

from ._arrays import Inputs
from ._audit import Audit, audit
from ._balls import ball_classes, flint_available
from ._bound import logit_error_bounds
from ._decide import NO_CLASS, decided_by_bound, float_classes
from ._environment import probe_float_environment
from ._float_pass import run_float_pass
from ._network import Array, DenseNetwork
from ._rational import exact_classes, exact_logits
from ._report import FloatCheckReport, Outcome

BATCH: Final = 2_000  # images per float pass, as the library's evaluate uses
EXACT_BATCH: Final = 64  # images per exact integer pass


@dataclasses.dataclass(frozen=True)
class _Bounded:
    """The float pass and the bound over all images, the batches put back together."""

    inputs: Array  # (n, in) in the network's dtype
    logits: Array  # (n, classes) float logits
    bounds: Array  # (n, classes) float64
    decided: Array  # (n,) bool


def _bound_all(network: DenseNetwork, images: Array) -> _Bounded:
    parts = []
    for first in range(0, len(images), BATCH):
        result = run_float_pass(network, images[first : first + BATCH])
        bounds = logit_error_bounds(network, result)
        parts.append((result.inputs, result.logits, bounds, decided_by_bound(result.logits, bounds)))
    if not parts:
        empty = np.zeros((0, network.widths[-1]), dtype=network.dtype)
        return _Bounded(
            np.zeros((0, network.widths[0]), network.dtype), empty, empty.astype(np.float64), np.zeros(0, bool)
        )
    inputs, logits, bounds, decided = (np.concatenate(column) for column in zip(*parts, strict=True))
    return _Bounded(inputs, logits, bounds, decided)


def _margins(logits: Array) -> Array:
    if logits.shape[1] < 2:
        return np.full(len(logits), np.inf)
    ordered = np.sort(logits.astype(np.float64), axis=1)
    result: Array = ordered[:, -1] - ordered[:, -2]
    return result


def _has_tanh(network: DenseNetwork) -> bool:
    return any(n.kind == "tanh" for n in network.nonlinearities)


def _settle(network: DenseNetwork, inputs: Array, predicted: Array) -> tuple[Array, Array]:
    """Outcomes and real classes of the images the bound left open (``inputs`` in the network's dtype)."""
    outcomes = np.full(len(inputs), Outcome.UNDECIDED, dtype=np.int8)
    real = np.full(len(inputs), NO_CLASS, dtype=np.int64)
    if _has_tanh(network):
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


def _audit_sample(network: DenseNetwork, bounded: _Bounded, size: int) -> Audit | None:
    count = len(bounded.inputs)
    if size <= 0 or count == 0 or _has_tanh(network):
        return None
    sample = np.unique(np.linspace(0, count - 1, min(size, count)).round().astype(np.int64))
    return audit(
        network, bounded.inputs[sample], bounded.logits[sample], bounded.bounds[sample], bounded.decided[sample]
    )


@checked
def float_check(network: DenseNetwork, images: Inputs, *, settle: bool = True, audit_size: int = 0) -> FloatCheckReport:
    """Decide for every image whether the float forward pass predicts the class real arithmetic gives.

    The float pass (the network's own, in its dtype) runs in batches of 2,000; a rigorous bound on
    every logit's rounding error decides most images; the others are settled by an exact pass
    (integers for ReLU and leaky ReLU, balls for tanh) unless ``settle`` is False. With ``audit_size``,
    that many images spread evenly over the batch are also recomputed exactly and every float logit is
    compared with its bound (ReLU-family networks only; timed apart from the check).

    Args:
        network: the network and its float forward pass.
        images: ``(batch, in)`` floats; converted to the network's dtype as the float pass does.
    Returns:
        The report: per-image outcomes, classes, bounds and margins, and the time taken.
    """
    start = time.perf_counter()
    for dtype in {network.dtype, np.dtype(np.float64)}:  # the network's arithmetic, and the bound's own
        probe_float_environment(dtype)
    bounded = _bound_all(network, images)
    predicted = float_classes(bounded.logits)
    outcomes = np.where(bounded.decided, Outcome.BOUND, Outcome.UNDECIDED).astype(np.int8)
    real = np.where(bounded.decided, predicted, NO_CLASS)
    open_images = np.nonzero(~bounded.decided)[0]
    if settle and open_images.size:
        outcomes[open_images], real[open_images] = _settle(network, bounded.inputs[open_images], predicted[open_images])
    seconds = time.perf_counter() - start
    audited = _audit_sample(network, bounded, audit_size)
    return FloatCheckReport(
        network=network.describe(),
        float_classes=predicted,
        real_classes=real,
        outcomes=outcomes,
        bounds=bounded.bounds,
        margins=_margins(bounded.logits),
        seconds=seconds,
        audit=audited,
        audit_seconds=time.perf_counter() - start - seconds,
    )
