"""Certify one image (intervals, then the attack, linear bounds, optimised slopes, branch-and-bound) and many.

Every bound comes from the bound core (``verified_nn.bounds``) with ``Rounding.sound``: rigorous for the
real network and for the deployed one (float32 rounding as bounded noise per neuron), so a positive lower
bound on every margin is a certificate; no separate float allowance is compared against.
:func:`certify_image` is a pure top-level function of picklable arguments, so any executor can run it
(worker processes in ``_processes.py``, a Dask cluster in ``_dask.py``) and the answer does not depend on which did,
except where a time limit is reached.
"""

import dataclasses
import importlib.util
import time
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any, Final, TypeAlias

import numpy as np

from verified_nn.bounds import (
    BoundsError,
    MissingSolverError,
    NodeBounds,
    Query,
    Rounding,
    branch_and_bound,
    interval_bounds,
    linear_bounds,
    margin_spec,
    optimise_slopes,
    rule_for,
    spec_bounds,
)
from verified_nn.core import AUTO, ThreadChoice, choose_threads
from verified_nn.files import check_workers
from verified_nn.network import Network

from ._attack import AttackConfig, confirmed, pgd_attack
from ._ball import PIXELS, Ball, InputRange, linf_ball
from ._errors import CertifyError
from ._processes import map_in_processes
from ._scheduler import DEFAULT_CONNECT_TIMEOUT

Array: TypeAlias = np.ndarray[Any, Any]

METHODS: Final = ("ibp", "crown", "complete")

# Statuses of an image, from the most to the least informative about robustness.
VERIFIED: Final = "verified"  # no input of the ball changes the deployed prediction (floats included)
COUNTEREXAMPLE: Final = "counterexample"  # an input of the ball, confirmed by the deployed forward pass
MISCLASSIFIED: Final = "misclassified"  # the clean image itself is misclassified
TIMEOUT: Final = "timeout"  # branch-and-bound ran out of time
FLOAT_UNDECIDED: Final = "float-undecided"  # ibp/crown prove the real margins, not the deployed ones
UNDECIDED: Final = "undecided"  # the chosen method could not decide (bounds too loose, no counterexample)
STATUSES: Final = (VERIFIED, COUNTEREXAMPLE, MISCLASSIFIED, TIMEOUT, FLOAT_UNDECIDED, UNDECIDED)
# A short attack from each corner where branch-and-bound's root bound is lowest.
_FROM_CORNER: Final = AttackConfig(restarts=1, steps=20, step_scale=0.5)


def check_certifiable(network: object) -> Network[Any, Any]:
    """``network`` if every layer has a bound rule and its output is a vector of class scores; else one line."""
    if not isinstance(network, Network):
        raise CertifyError(f"certify takes a verified_nn Network, got {type(network).__name__}")
    for index, layer in enumerate(network.layers):
        try:
            rule_for(layer, index=index)
        except BoundsError as error:
            raise CertifyError(f"certify: {error}") from None
    if network.input_shape() is None or len(network.output_shape()) != 1:
        raise CertifyError("certify needs a network with a fixed input shape whose output is a vector of class scores")
    return network


def _rounding(network: Network[Any, Any]) -> Rounding:
    return Rounding.sound(deployed=network.dtype)


@dataclasses.dataclass(frozen=True)
class CertifyConfig:
    """What to certify and how hard to try."""

    eps: Fraction  # L-infinity radius, exact
    method: str = "complete"  # "ibp", "crown" (both incomplete) or "complete" (adds branch-and-bound)
    time_limit: float = 60.0  # seconds per image for the complete stage
    attack: AttackConfig = dataclasses.field(default_factory=AttackConfig)  # the attack run first
    seed: int = 0  # seeds each image's attack together with its index
    slopes: int = 20  # steps of alpha-CROWN after CROWN ("crown" and "complete"; 0: CROWN's slopes only)
    input_range: InputRange = PIXELS  # every input value lies in it: every ball is clipped to it

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise CertifyError(f"method must be one of {', '.join(METHODS)}, got {self.method!r}")
        self.input_range.check_radius(self.eps)
        if not self.time_limit > 0:
            raise CertifyError(f"the time limit must be positive, got {self.time_limit}")
        if self.slopes < 0:
            raise CertifyError(f"slopes must be >= 0 steps, got {self.slopes}")
        check_solver(self.method)


MISSING_SOLVER: Final = "the complete method needs scipy: pip install 'verified-nn[certify]'"


def check_solver(method: str) -> None:
    """CertifyError for the complete method without scipy (HiGHS, its exact stage): said before any image, not
    after some (branch-and-bound that never reaches the exact stage runs without it, and times out)."""
    if method == "complete" and importlib.util.find_spec("scipy") is None:
        raise CertifyError(MISSING_SOLVER)


@dataclasses.dataclass(frozen=True)
class ImageResult:
    """The verdict on one image and how it was reached."""

    index: int  # position in the evaluated set
    label: int  # the true class
    predicted: int  # the deployed prediction of the clean image
    status: str  # one of STATUSES
    decided_by: str  # "clean", "attack", "ibp", "crown", "bab" (branch-and-bound), or "" when undecided
    margin_bound: float  # rigorous lower bound on the deployed (and real) margin over the ball (-inf if none)
    float_error: float  # the float allowance inside that bound: what the deployed rounding took from it
    attack_margin: float  # the smallest deployed margin the attack reached (-inf if it did not run)
    unstable: int  # values whose sign (or max-pool winner) the bounds leave open (-1 if not computed)
    complete_seconds: float  # time in the complete stage (branch-and-bound)
    seconds: float  # time for the whole image
    counterexample: Array | None = None  # network dtype, inside the ball; or the clean image
    counterexample_class: int | None = None  # the deployed prediction there

    def as_dict(self) -> dict[str, Any]:
        """The record without the counterexample's pixels (for JSON)."""
        record = dataclasses.asdict(self)
        del record["counterexample"]
        return {key: (float(v) if isinstance(v, float) else v) for key, v in record.items()}


class _Record:
    """The fields of an image's result, filled in stage by stage; ``finish`` stamps the verdict and time."""

    def __init__(self, index: int, label: int, predicted: int) -> None:
        self.start = time.perf_counter()
        self.fields: dict[str, Any] = {
            "index": index,
            "label": label,
            "predicted": predicted,
            "margin_bound": -np.inf,
            "float_error": 0.0,
            "attack_margin": -np.inf,
            "unstable": -1,
            "complete_seconds": 0.0,
        }

    def finish(self, status: str, decided_by: str, **fields: Any) -> ImageResult:
        self.fields.update(fields)
        return ImageResult(
            **self.fields, status=status, decided_by=decided_by, seconds=time.perf_counter() - self.start
        )

    def bounds(self, margins: Array, noise: Array, nodes: NodeBounds) -> None:
        self.fields.update(
            margin_bound=float(margins.min()), float_error=float(noise.max(initial=0.0)), unstable=_unstable(nodes)
        )


def _unstable(nodes: NodeBounds) -> int:
    """Values of nodes feeding a relaxed layer whose box straddles 0."""
    return int(sum(np.sum((box.lower < 0) & (box.upper > 0)) for box in nodes.boxes[1:-1]))


def _undecided(network: Network[Any, Any], ball: Ball, spec: Array, method: str) -> str:
    """Float-undecided when the same method proves every margin of the real network alone (no float allowance)."""
    real = Rounding.sound(deployed=None)
    if method == "ibp":
        nodes = interval_bounds(network, ball.box(), rounding=real)
        lower = spec_bounds(network, nodes, spec, stop=len(network.layers) - 1).lower[0]
    else:
        lower = spec_bounds(network, linear_bounds(network, ball.box(), rounding=real), spec).lower[0]
    return FLOAT_UNDECIDED if bool(np.all(lower > 0)) else UNDECIDED


def certify_image(
    network: Network[Any, Any], image: Array, label: int, config: CertifyConfig, *, index: int = 0
) -> ImageResult:
    """Certify that no input of the eps-ball around ``image`` changes the deployed network's prediction.

    ``image`` has the network's input shape, in its dtype, and lies in ``config.input_range``. The stages stop at the
    first verdict: the clean prediction, interval bounds (the last layer folded into the margins), the
    attack, linear bounds and ``config.slopes`` steps of alpha-CROWN, then (``method="complete"``)
    branch-and-bound on the classes the bounds leave open (``verified_nn.bounds.branch_and_bound``: split
    unstable ReLUs, small domains solved as mixed-integer programs), within ``config.time_limit``.
    """
    _check_classes(network)
    image = np.asarray(image)
    expected = network.input_shape()
    if image.dtype != network.dtype or image.shape != expected:
        raise CertifyError(f"image must be {network.dtype}{list(expected or ())}, got {image.dtype}{list(image.shape)}")
    predicted = int(network.predict(image[np.newaxis])[0])
    record = _Record(index, int(label), predicted)
    if predicted != label:
        return record.finish(MISCLASSIFIED, "clean", counterexample=image.copy(), counterexample_class=predicted)
    ball = linf_ball(image, config.eps, config.input_range)
    rounding = _rounding(network)
    spec = margin_spec(np.array([label]), network.classes)
    # Intervals first: a few matrix products, and on a network trained against them they decide most images
    # (a verified image has no counterexample, so the attack would only cost time).
    intervals = interval_bounds(network, ball.box(), rounding=rounding)
    if not intervals.within_float_range(network.dtype):  # the float error model assumes no overflow
        return record.finish(UNDECIDED, "")
    folded = spec_bounds(network, intervals, spec, stop=len(network.layers) - 1)
    margins, noise = folded.lower[0], folded.noise[0]
    record.bounds(margins, noise, intervals)
    if np.all(margins > 0):
        return record.finish(VERIFIED, "ibp")
    attack = pgd_attack(network, ball, label, config=config.attack, seed=(config.seed, index))
    record.fields["attack_margin"] = attack.best_margin
    if attack.example is not None:
        return record.finish(
            COUNTEREXAMPLE, "attack", counterexample=attack.example, counterexample_class=attack.predicted
        )
    if config.method == "ibp":
        return record.finish(_undecided(network, ball, spec, "ibp"), "")
    nodes = linear_bounds(network, ball.box(), rounding=rounding, known=intervals)
    crown = spec_bounds(network, nodes, spec)
    if config.slopes and not np.all(crown.lower > 0):
        crown = optimise_slopes(network, nodes, spec, iterations=config.slopes, slopes=crown.slopes)
    better = crown.lower[0] > margins
    margins, noise = np.where(better, crown.lower[0], margins), np.where(better, crown.noise[0], noise)
    record.bounds(margins, noise, nodes)
    if np.all(margins > 0):
        return record.finish(VERIFIED, "crown")
    if config.method == "crown":
        return record.finish(_undecided(network, ball, spec, "crown"), "")
    return _complete(network, ball, label, config, margins, record)


def _query(ball: Ball, label: int, targets: list[int], classes: int) -> Query:
    """The ball's robustness as a query of the bound core: for each class ``j`` of ``targets``, the row
    ``e_label - e_j`` with bound 0, a conjunction of its own (met where ``j`` scores at least the label)."""
    matrix = np.zeros((len(targets), classes))
    matrix[:, label] = 1.0
    matrix[np.arange(len(targets)), targets] = -1.0
    return Query(
        dtype=ball.center.dtype,
        lower=ball.inner_lower,
        upper=ball.inner_upper,
        outer_lower=ball.lower,
        outer_upper=ball.upper,
        matrix=matrix,
        bound=np.zeros(len(targets)),
        slack=np.zeros_like(matrix),
        conjunct=np.arange(len(targets)),
    )


def _complete(
    network: Network[Any, Any], ball: Ball, label: int, config: CertifyConfig, margins: Array, record: _Record
) -> ImageResult:
    """The complete stage: branch-and-bound (the bound core's) on the classes the bounds leave open, within the
    image's time limit; every candidate it meets is confirmed by the deployed forward pass in the ball."""
    start = time.perf_counter()
    others = [j for j in range(network.classes) if j != label]
    query = _query(ball, label, [others[r] for r in np.flatnonzero(margins <= 0)], network.classes)
    index = record.fields["index"]  # seeds the attacks, as the first attack's

    def check(x: Array) -> Array | None:
        return None if confirmed(network, ball, x, label) is None else network.logits(x[np.newaxis])[0]

    def attack_from(corners: Array) -> tuple[Array, Array] | None:
        for corner in corners:  # the inputs where each open row's linear bound is lowest
            found = pgd_attack(network, ball, label, config=_FROM_CORNER, seed=(config.seed, index), start=corner)
            if found.example is not None:
                return found.example, network.logits(found.example[np.newaxis])[0]
        return None

    try:
        outcome = branch_and_bound(
            network, query, deadline=time.monotonic() + config.time_limit, check=check, attack_from=attack_from
        )
    except MissingSolverError:
        raise CertifyError(MISSING_SOLVER) from None
    except BoundsError as error:
        raise CertifyError(f"certify --method complete: {error}") from None
    seconds = time.perf_counter() - start
    if outcome.result == "unsat":
        return record.finish(VERIFIED, "bab", complete_seconds=seconds)
    if outcome.result == "sat" and outcome.example is not None:
        predicted = int(network.predict(outcome.example[np.newaxis])[0])
        return record.finish(
            COUNTEREXAMPLE,
            "bab",
            complete_seconds=seconds,
            counterexample=outcome.example,
            counterexample_class=predicted,
        )
    if outcome.result == "timeout":
        return record.finish(TIMEOUT, "", complete_seconds=seconds)
    spec = margin_spec(np.array([label]), network.classes)
    return record.finish(_undecided(network, ball, spec, "crown"), "", complete_seconds=seconds)


def blas_choice(network: Network[Any, Any], images: Array, config: CertifyConfig) -> ThreadChoice:
    """The BLAS threads for certifying in this process (``core.choose_threads``): one while other processes
    hold the cores, else as many as make one image's back-substitution bounds (the products that grow with
    the network) faster by 10%. Worker processes (``jobs``) keep one thread each."""
    first = np.asarray(images[0]) if len(images) else None
    if first is None or first.dtype != network.dtype or first.shape != network.input_shape():
        return ThreadChoice(1, "no image to time")  # certify_image names what is wrong with it
    box = linf_ball(first, config.eps, config.input_range).box()
    rounding = _rounding(network)
    return choose_threads(AUTO, probe=lambda: linear_bounds(network, box, rounding=rounding))


def _check_classes(network: Network[Any, Any]) -> None:
    """CertifyError for a network of one class: no perturbation can change its answer, nothing to certify."""
    if network.classes < 2:  # robustness compares the label's score with another class's
        raise CertifyError(
            "the network has one output: robustness compares the label's score with another "
            "class's, so certify needs a network of at least 2 classes"
        )


def certify_images(
    network: Network[Any, Any],
    images: Array,
    labels: Sequence[int] | Array,
    config: CertifyConfig,
    *,
    jobs: int = 1,
    scheduler: str | None = None,
    on_result: Callable[[ImageResult], object] | None = None,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
) -> list[ImageResult]:
    """Certify each row of ``images`` ``(count, n)``; with ``jobs > 1`` in that many processes, or with
    ``scheduler`` (an address) on that Dask distributed cluster (the extra ``dask``).

    Results come back in the order of ``images`` and, time limits aside, equal those of ``jobs=1``.
    ``on_result`` is called once per image as it finishes (for a progress bar). ``jobs`` and
    ``scheduler`` are exclusive: a cluster's parallelism is its workers'. ``connect_timeout`` bounds
    the seconds spent reaching the scheduler (a bad address fails within it).
    """
    if jobs < 1:
        raise CertifyError(f"jobs must be at least 1, got {jobs}")
    _check_classes(network)
    if len(images) != len(labels):
        raise CertifyError(f"{len(images)} images but {len(labels)} labels")
    if scheduler is not None:
        if jobs != 1:
            raise CertifyError(
                f"jobs ({jobs}) and a scheduler cannot be combined: the cluster's workers set the parallelism"
            )
        from ._dask import certify_on_cluster  # here, not above: _dask imports this module

        return certify_on_cluster(
            network, images, labels, config, scheduler=scheduler, on_result=on_result, connect_timeout=connect_timeout
        )
    results: list[ImageResult | None] = [None] * len(images)
    if jobs == 1:
        with blas_choice(network, images, config).limits():
            for i, (image, label) in enumerate(zip(images, labels, strict=True)):
                result = certify_image(network, image, int(label), config, index=i)
                results[i] = result
                if on_result is not None:
                    on_result(result)
    else:
        check_workers(jobs, option="jobs")  # no more processes than cores (or $VERIFIED_NN_MAX_WORKERS)
        items = [(i, image, int(label)) for i, (image, label) in enumerate(zip(images, labels, strict=True))]
        return map_in_processes(
            _certify_item, items, jobs=jobs, on_result=on_result, error=CertifyError, network=network, config=config
        )
    return [result for result in results if result is not None]


def _certify_item(item: tuple[int, Array, int], *, network: Network[Any, Any], config: CertifyConfig) -> ImageResult:
    """One image of :func:`certify_images` in a worker process."""
    index, image, label = item
    return certify_image(network, image, label, config, index=index)
