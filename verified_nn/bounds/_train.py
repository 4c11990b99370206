"""Differentiable bounds for certified training: intervals and back-substitution, each with its backward pass.

In the network's dtype and without rounding allowances (``Rounding.none``): a training loss, not a
certificate. Boxes are kept as centre and radius, ``mu +- r``. :func:`interval_pass` runs every layer's
``train_interval``; :func:`margin_bound` back-substitutes a specification from the output to node ``stop``
and concretises there on the interval box (``stop = 0``: CROWN-IBP, Zhang et al. 2020; ``stop`` the last
layer's input: interval propagation with the last layer folded into the margins, Gowal et al. 2018).
:func:`margin_bound_backward` returns every parameter's gradient: with the choices of each step fixed the
bound is linear in the coefficients, so each layer's parameters get its own backward pass at the witness
(the chosen linear bounds run forward from the box's minimising corner), the relaxations' dependence on
their boxes flows into those boxes, and the interval pass carries everything down to the parameters.
"""

import dataclasses
from typing import Any, TypeAlias

import numpy as np

from verified_nn.layers import EVAL, Layer, Mode

from ._box import Box
from ._rounding import Rounding
from ._rule import Context, LinearForm, Step, rows_dot, rule_for

Array: TypeAlias = np.ndarray[Any, Any]


@dataclasses.dataclass(frozen=True)
class IntervalPass:
    """Centre and radius of every node (``mus[0]``, ``rs[0]`` the input box) and each layer's cache."""

    layers: tuple[Layer[Any, Any], ...]
    mus: tuple[Array, ...]
    rs: tuple[Array, ...]
    caches: tuple[Any, ...]

    def box(self, node: int) -> Box:
        """The box of ``node``."""
        return Box(self.mus[node] - self.rs[node], self.mus[node] + self.rs[node])


def interval_pass(layers: tuple[Layer[Any, Any], ...], mu: Array, r: Array, *, mode: Mode = EVAL) -> IntervalPass:
    """The box ``mu +- r`` through ``layers`` (layer ``i`` in ``mode.child(i)``)."""
    mus, rs, caches = [mu], [r], []
    for index, layer in enumerate(layers):
        mu, r, cache = rule_for(layer, index=index).train_interval(layer, mu, r, mode.child(index))
        mus.append(mu)
        rs.append(r)
        caches.append(cache)
    return IntervalPass(layers, tuple(mus), tuple(rs), tuple(caches))


def interval_pass_backward(passed: IntervalPass, gradients: dict[int, tuple[Array, Array]]) -> list[Layer[Any, Any]]:
    """Each layer's parameter gradients (a layer per layer) from gradients ``(d_mu, d_r)`` of any nodes."""
    layers = passed.layers
    # Layers above the highest node with a gradient get zeros (a layer without parameters is its own gradient).
    grads: list[Layer[Any, Any]] = [
        layer.with_parameters([np.zeros_like(a) for a in layer.parameters()]) for layer in layers
    ]
    top = max(gradients, default=0)
    d_mu, d_r = np.zeros_like(passed.mus[top]), np.zeros_like(passed.rs[top])
    for index in range(top - 1, -1, -1):
        if index + 1 in gradients:
            more_mu, more_r = gradients[index + 1]
            d_mu, d_r = d_mu + more_mu, d_r + more_r
        layer = layers[index]
        below_mu, below_r, grads[index] = rule_for(layer, index=index).train_interval_backward(
            layer, d_mu, d_r, passed.caches[index], index == 0
        )
        if index == 0:
            break
        assert below_mu is not None and below_r is not None
        d_mu, d_r = below_mu, below_r
    return grads


@dataclasses.dataclass(frozen=True)
class _Record:
    """What :func:`margin_bound_backward` needs of a forward computation."""

    lam: Array  # the coefficients at node ``stop``
    steps: list[tuple[int, Step]]
    stop: int


def margin_bound(passed: IntervalPass, spec: Array, *, stop: int) -> tuple[Array, _Record]:
    """Lower bounds ``(batch, rows)`` of ``spec . output`` (``spec`` ``(batch, rows, *out)``), back-substituted
    to node ``stop`` and concretised on its interval box ``mu +- r``: ``lam . mu - |lam| . r + const``."""
    layers = passed.layers
    dtype = passed.mus[0].dtype
    ctx_rounding = Rounding.none(dtype)
    form = LinearForm.start(spec, dtype)
    steps: list[tuple[int, Step]] = []
    for index in range(len(layers) - 1, stop - 1, -1):
        layer = layers[index]
        form, step = rule_for(layer, index=index).linear(layer, form, passed.box(index), Context(ctx_rounding), None)
        steps.append((index, step))
    lower = rows_dot(form.lam, passed.mus[stop]) - rows_dot(np.abs(form.lam), passed.rs[stop]) + form.const
    return lower, _Record(form.lam, steps, stop)


def margin_bound_backward(passed: IntervalPass, parts: list[tuple[_Record, Array]]) -> list[Layer[Any, Any]]:
    """The parameter gradients (a layer per layer) of ``sum(d_lower * lower)`` summed over the ``parts``
    ``(record, d_lower)``: bounds of one interval pass (interval and CROWN-IBP, mixed)."""
    boxes: dict[int, tuple[Array, Array]] = {}
    direct: dict[int, Layer[Any, Any]] = {}

    def add_box(node: int, d_mu: Array, d_r: Array) -> None:
        mu, r = boxes.get(node, (0.0, 0.0))
        boxes[node] = (mu + d_mu, r + d_r)

    for record, d_lower in parts:
        lam, stop = record.lam, record.stop
        weight = d_lower.reshape(*d_lower.shape, *([1] * (lam.ndim - 2)))
        # The concretisation: d/d mu = sum_rows weight lam, d/d r = -sum_rows weight |lam|; the minimiser of
        # lam . x over the box is the witness at node `stop`.
        add_box(stop, (weight * lam).sum(axis=1), -(weight * np.abs(lam)).sum(axis=1))
        witness = minimiser(passed, lam, stop)
        for index, step in reversed(record.steps):
            grads, box = step.training_gradients(witness, d_lower)
            if grads is not None:
                direct[index] = grads if index not in direct else _add(direct[index], grads)
            if box is not None:  # (d_lower, d_upper) of node `index`, as centre and radius
                d_low, d_high = box
                add_box(index, d_low + d_high, d_high - d_low)
            witness = step.witness(witness)
    grads = interval_pass_backward(passed, boxes)
    for index, found in direct.items():
        grads[index] = _add(grads[index], found) if grads[index].parameters() else found
    return grads


def minimiser(passed: IntervalPass, lam: Array, stop: int) -> Array:
    """``(batch, rows, *shape)``: the corner of node ``stop``'s box where each row's ``lam . x`` is least."""
    result: Array = passed.mus[stop][:, np.newaxis] - np.sign(lam) * passed.rs[stop][:, np.newaxis]
    return result


def _add(first: Layer[Any, Any], second: Layer[Any, Any]) -> Layer[Any, Any]:
    return first.with_parameters([a + b for a, b in zip(first.parameters(), second.parameters(), strict=True)])


def kinks(passed: IntervalPass, records: list[_Record]) -> list[Array]:
    """The discrete choices a bound made (signs of parameters, of every box end and of every coefficient):
    between two parameter vectors where they all agree, the bound is a smooth function of the parameters."""
    choices: list[Array] = [np.sign(array) for layer in passed.layers for array in layer.parameters()]
    for mu, r in zip(passed.mus[1:], passed.rs[1:], strict=True):
        choices.extend([np.sign(mu - r), np.sign(mu + r), np.sign(mu)])  # ends at a kink; CROWN's u >= -l choice
    for record in records:
        choices.append(np.sign(record.lam))
        choices.extend(np.sign(lam) for _, step in record.steps if (lam := step.lam) is not None)
    return choices
