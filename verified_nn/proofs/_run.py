"""Running the case table: each entry's kernels on exact symbols, case by case, identity by identity.

For every case (:func:`explore`) the library's own code runs on object arrays of :class:`Exact` inside
:func:`symbolic_arrays`, the one place where layers accept them. Each entry of the result is compared with
sympy's derivative of the loss (``expand(kernel - derivative) == 0``, after the softmax form for losses),
and each identity is evaluated with exact rationals at random points of the case.
"""

import dataclasses
import itertools
import random
import time
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from verified_nn.core import cross_entropy_and_gradient
from verified_nn.layers import Activation
from verified_nn.layers._layer import symbolic_arrays
from verified_nn.network import Batch, Network

from ._algebra import Expr, expand, is_zero, sympy
from ._cases import Entry, Subject, entries
from ._exact import Path, UndecidedError, explore, expressions, lift, symbols
from ._kinks import kink_checks
from ._points import case_point, evaluate
from ._softmax_form import SoftmaxForm

POINTS = 2  # random rational points per case


@dataclasses.dataclass(frozen=True)
class Failure:
    """One identity that does not hold (or a case that could not run)."""

    entry: str
    case: str  # the case's sign conditions
    identity: str  # which entry of which result, e.g. "0.weight[1,2], labels (0,)"
    reason: str

    def __str__(self) -> str:
        return f"{self.entry}: {self.identity}: {self.reason} (case: {self.case or 'no conditions'})"


@dataclasses.dataclass(frozen=True)
class EntryResult:
    """What one entry proved: cases run, identities proven, failures, and the time taken."""

    name: str
    kind: str
    cases: int
    identities: int
    checked_points: int  # rational evaluations that agreed
    seconds: float
    failures: tuple[Failure, ...]

    @property
    def passed(self) -> bool:
        return not self.failures and self.identities > 0


@dataclasses.dataclass(frozen=True)
class Identity:
    """``kernel == derivative``, named: what the library computed and what sympy's derivative says; with
    ``share``, ``kernel == lambda derivative`` for some ``0 <= lambda <= 1`` (one of several tied inputs'
    part of a gradient: the generalized gradient of a maximum is any convex combination)."""

    name: str
    kernel: Expr
    derivative: Expr
    share: bool = False


def _index_text(index: tuple[int, ...]) -> str:
    return "[" + ",".join(str(i) for i in index) + "]"


def _vjp_identities(subject: Subject, path: Path) -> list[Identity]:
    """A layer: ``dx`` and the parameter gradients against sympy's derivative of ``sum(dy * y)``."""
    layer, x = subject.layer, subject.inputs
    y, cache = layer.forward(x, mode=subject.mode)
    dy = symbols("g", y.shape)
    dx, grads = layer.backward(dy, cache)
    ys, gs = expressions(y), expressions(dy)
    loss = sum((gs * ys).ravel(), sympy.Integer(0))
    found = []
    xs = expressions(x)
    # Inputs that are the same symbol (a tie in a max pool) get one identity for their sum and a share
    # each; inputs that are exact numbers (an input at a kink) have no derivative here (``_kinks.py``).
    groups: dict[Any, list[tuple[int, ...]]] = {}
    for index in np.ndindex(*x.shape):
        value: Expr = xs[index]
        if value.is_Symbol:
            groups.setdefault(value, []).append(index)
    for symbol, members in groups.items():
        derivative = sympy.diff(loss, symbol)
        total = sum((lift(dx[index]) for index in members), sympy.Integer(0))
        found.append(Identity(f"dx{''.join(_index_text(i) for i in members)}", total, derivative))
        if len(members) > 1:
            found += [Identity(f"dx{_index_text(i)} (tied)", lift(dx[i]), derivative, share=True) for i in members]
    for name, value, gradient in zip(layer.parameter_names(), layer.parameters(), grads.parameters(), strict=True):
        symbols_ = expressions(value)
        for index in np.ndindex(*value.shape):
            derivative = sympy.diff(loss, symbols_[index])
            found.append(Identity(f"{name}{_index_text(index)}", lift(gradient[index]), derivative))
    if subject.reference is not None:
        expected = subject.reference(xs, path)
        for index in np.ndindex(*y.shape):
            found.append(Identity(f"forward y{_index_text(index)}", ys[index], expected[index]))
    return found


def _differentiate(array: np.ndarray[Any, Any], variable: Expr) -> np.ndarray[Any, np.dtype[np.object_]]:
    result = np.empty(array.shape, dtype=object)
    for index in np.ndindex(*array.shape):
        result[index] = sympy.diff(array[index], variable)
    return result


def _largest(row: np.ndarray[Any, Any], path: Path) -> int:
    """The index of the largest logit of ``row`` in this case, from the comparisons the kernel made."""
    peak = 0
    for j in range(1, len(row)):
        if path.known(row[j] - row[peak]) is None:
            raise UndecidedError(f"the kernel never compared logits {j} and {peak}")
        if path.known(row[j] - row[peak]):
            peak = j
    return peak


def _labels(batch: int, classes: int) -> Iterator[tuple[int, ...]]:
    return itertools.product(range(classes), repeat=batch)


def _loss_identities(subject: Subject, path: Path) -> tuple[list[Identity], list[SoftmaxForm]]:
    """Backprop (or the bare loss kernel) for every label tuple, against sympy's derivative of the loss."""
    x = subject.inputs
    network = subject.layer
    found: list[Identity] = []
    forms = []
    # The case's logits (the loss entry's are its input), for the derivative.
    z = expressions(network.forward(x, mode=subject.mode)[0] if network.parameters() else x)
    parameters = list(zip(network.parameter_names(), network.parameters(), strict=True))
    if not parameters:  # the loss alone: differentiate with respect to the logits themselves
        parameters = [("z", x)]
    derivatives = {
        (name, index): _differentiate(z, lift(value[index]))
        for name, value in parameters
        for index in np.ndindex(*value.shape)
    }
    batch, classes = z.shape
    for labels in _labels(batch, classes):
        label_array = np.array(labels, dtype=np.int64)
        if isinstance(network, Network):  # what training calls: Network.loss_and_gradients -> backprop
            images: Any = x  # an object array: Batch admits it only inside symbolic_arrays()
            loss, grads = network.loss_and_gradients(Batch.of(images).labelled(label_array), mode=subject.mode)
            results = list(grads.parameters())
        else:
            loss, gradient = cross_entropy_and_gradient(x, label_array)
            results = [gradient]
        peaks = [_largest(z[b], path) for b in range(batch)]  # the kernel has compared the logits now
        form = SoftmaxForm(z, peaks)
        kernels = {
            (name, index): form.normal(lift(result[index]))
            for (name, value), result in zip(parameters, results, strict=True)
            for index in np.ndindex(*value.shape)
        }
        # The loss the kernel returns is the textbook mean cross-entropy of these logits.
        found.append(Identity(f"loss, labels {labels}", form.normal(lift(loss)), form.textbook_loss(labels)))
        forms.append(form)
        gradients = form.logit_gradients(labels)  # sympy's d loss / d logits, in the same form
        for (name, index), kernel in kernels.items():
            derivative = sum((gradients * derivatives[(name, index)]).ravel(), sympy.Integer(0))
            found.append(Identity(f"{name}{_index_text(index)}, labels {labels}", kernel, derivative))
            forms.append(form)
    return found, forms


def _short(expression: Expr) -> str:
    text = str(expression)
    return text if len(text) <= 120 else text[:117] + "..."


def _check_case(entry: Entry, subject: Subject, path: Path, rng: random.Random) -> tuple[int, int, list[Failure]]:
    if entry.kind == "layer":
        identities = _vjp_identities(subject, path)
        forms: list[SoftmaxForm | None] = [None] * len(identities)
    else:
        found, loss_forms = _loss_identities(subject, path)
        identities, forms = found, list(loss_forms)
    case = path.describe()  # now that the kernels have asked their comparisons
    variables: set[Any] = set()
    for array in (subject.inputs, *subject.layer.parameters()):
        variables |= {lift(value) for value in array.ravel() if lift(value).is_Symbol}
    points = [case_point(variables, path.conditions, rng) for _ in range(POINTS)]
    failures: list[Failure] = []
    agreed = 0
    for identity, form in zip(identities, forms, strict=True):
        if identity.share:
            if expand(identity.derivative) == 0:  # the tie is not the maximum: no share of nothing but 0
                ratio = sympy.Integer(0) if is_zero(identity.kernel) else None
            else:
                ratio = sympy.cancel(identity.kernel / identity.derivative)
            if ratio is None or not ratio.is_number or not 0 <= ratio <= 1:
                failures.append(
                    Failure(
                        entry.name,
                        case,
                        identity.name,
                        f"kernel = ({_short(ratio)}) x derivative, not a share in [0, 1]",
                    )
                )
            continue
        difference = identity.kernel - identity.derivative
        residue = form.cleared(difference) if form is not None else expand(difference)
        if residue != 0 and (form is not None or not is_zero(residue)):
            failures.append(Failure(entry.name, case, identity.name, f"kernel - derivative = {_short(residue)}, not 0"))
            continue
        kernel_value, derivative_value = identity.kernel, identity.derivative
        if form is not None:  # evaluate 1 / S itself, not its symbol
            kernel_value, derivative_value = form.unform(kernel_value), form.unform(derivative_value)
        for point in points:
            values = dict(point)
            kernel = evaluate(kernel_value, values, rng)
            derivative = evaluate(derivative_value, values, rng)
            if kernel != derivative:
                reason = f"exact evaluation: kernel {kernel}, derivative {derivative}"
                failures.append(Failure(entry.name, case, identity.name, reason))
                break
            agreed += 1
    return len(identities), agreed, failures


def prove_entry(entry: Entry, *, seed: int = 0) -> EntryResult:
    """Every case of ``entry``: its identities proven symbolically and cross-checked exactly."""
    start = time.perf_counter()
    rng = random.Random(f"{seed}:{entry.name}")
    cases = identities = agreed = 0
    failures: list[Failure] = []
    with symbolic_arrays():
        try:
            subject = entry.build()
            if entry.kind == "kinks":
                assert isinstance(subject.layer, Activation)
                checked, wrong = kink_checks(subject.layer)
                failures += [Failure(entry.name, "at the kink", identity, reason) for identity, reason in wrong]
                cases, identities = len(subject.layer.kinks()), checked - len(wrong)
            for _, (proven, points, found) in (
                [] if entry.kind == "kinks" else explore(lambda path: _check_case(entry, subject, path, rng))
            ):
                cases += 1
                identities += proven - len({failure.identity for failure in found})
                agreed += points
                failures.extend(found)
        except Exception as error:  # a kernel that cannot even run on exact values fails its entry
            failures.append(Failure(entry.name, "", "running the kernels", f"{type(error).__name__}: {error}"))
    return EntryResult(entry.name, entry.kind, cases, identities, agreed, time.perf_counter() - start, tuple(failures))


def prove(chosen: Sequence[Entry] | None = None, *, seed: int = 0) -> list[EntryResult]:
    """:func:`prove_entry` for each entry (default: the whole table, ``entries()``), in order."""
    return [prove_entry(entry, seed=seed) for entry in (entries() if chosen is None else chosen)]
