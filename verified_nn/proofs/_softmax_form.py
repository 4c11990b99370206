"""Exponentials of logits as independent symbols, so that a gradient identity becomes a polynomial one.

The cross-entropy kernel computes ``exp(z_j - m)`` with ``m`` the row's largest logit (which logit that is,
the case decides), and ``1 / sum_i exp(z_i - m)``. A :class:`SoftmaxForm` built from the kernel's logits
replaces each ``exp(z_j - z_m)`` by a positive symbol ``R`` (``exp(0) = 1`` for ``j = m``) and each
``1 / S`` with ``S = 1 + sum R`` by a symbol ``Q``: true identities for the values the symbols stand for.
A difference is then a polynomial; :meth:`SoftmaxForm.cleared` multiplies it by ``S^d`` (``d`` the degree
in ``Q``) and rewrites ``Q^k S^d = S^(d-k)``. If that expands to the zero polynomial in free symbols, the
difference vanishes at every value (``S >= 1`` is never 0).
The reference side, sympy's derivative of the textbook loss ``log sum_j exp(z_j) - z_y`` with respect to
each logit, is put into the same form by :meth:`SoftmaxForm.logit_gradients`.
"""

import functools
from typing import Any

import numpy as np

from ._algebra import Expr, expand, sympy


class FormError(Exception):
    """An exponential whose argument is not a difference of two logits of one row."""


@functools.cache
def _textbook_gradients(classes: int, label: int, peak: int) -> tuple[tuple[Expr, ...], tuple[Expr, ...]]:
    """``d/du_j (log sum_i exp(u_i) - u_label)`` by sympy, rewritten with ``r_i = exp(u_i - u_peak)``.

    Returns the gradients in terms of symbols ``r_i`` (``r_peak = 1``) and those symbols.
    """
    u = [sympy.Symbol(f"u_{i}", real=True) for i in range(classes)]
    r = [sympy.Symbol(f"r_{i}", positive=True) for i in range(classes)]
    t = sympy.Symbol("t", positive=True)
    loss = sympy.log(sum(sympy.exp(ui) for ui in u)) - u[label]
    # exp(u_i) = exp(u_i - u_peak) * exp(u_peak) = r_i * t; then t cancels (a small rational function).
    shift = {sympy.exp(ui): ri * t for ui, ri in zip(u, r, strict=True)}
    rewritten = [sympy.cancel(sympy.diff(loss, uj).xreplace(shift)) for uj in u]
    peak_one = {r[peak]: sympy.Integer(1)}
    return tuple(g.xreplace(peak_one) for g in rewritten), tuple(r)


class SoftmaxForm:
    """The replacement of exponentials and softmax denominators for one batch of kernel logits ``(B, C)``."""

    def __init__(self, logits: np.ndarray[Any, Any], peaks: list[int]) -> None:
        self.logits = logits  # (B, C) sympy expressions
        self.peaks = peaks  # per row, the largest logit in the case: the one the kernel must shift by
        batch, classes = logits.shape
        self._pairs: dict[Any, tuple[int, int, int]] = {}
        self._r: dict[Any, Expr] = {}  # canonical difference -> its symbol R
        self._q: dict[Any, Expr] = {}  # a denominator 1 + sum R -> its symbol Q
        rows = [tuple(expand(value) for value in logits[b]) for b in range(batch)]
        for b in range(batch):
            if rows[b] in rows[:b]:
                continue  # the logits of an earlier row: the same exponentials, the same symbols
            for j in range(classes):
                for k in range(classes):
                    if j != k:
                        self._pairs.setdefault(expand(logits[b, j] - logits[b, k]), (b, j, k))

    def _exp_symbol(self, argument: Expr) -> Expr:
        key = expand(argument)
        if key == 0:
            return sympy.Integer(1)
        if key not in self._pairs:
            raise FormError(f"exp({argument}) is not exp(z_j - z_k) of one row's logits")
        b, _, k = self._pairs[key]
        if self.peaks[b] != k:
            raise FormError(f"row {b}: exp({argument}) is shifted by logit {k}, the case's largest is {self.peaks[b]}")
        return self._r.setdefault(key, sympy.Symbol(f"R_{len(self._r)}", positive=True))

    def _is_denominator(self, node: Expr) -> bool:
        if not (node.is_Pow and node.exp.is_Integer and node.exp < 0 and node.base.is_Add):
            return False
        return bool(node.base.free_symbols) and node.base.free_symbols <= set(self._r.values())

    def _q_power(self, node: Expr) -> Expr:
        base, sign = (-node.base, -1) if node.base.could_extract_minus_sign() else (node.base, 1)
        if base not in self._q:
            self._q[base] = sympy.Symbol(f"Q_{len(self._q)}", positive=True)
        return (sign * self._q[base]) ** (-node.exp)

    def normal(self, expression: Expr) -> Expr:
        """``expression`` with ``exp(z_j - z_m)`` as ``R`` and ``1 / S`` as ``Q`` (FormError for another exp)."""
        replaced = expression.replace(
            lambda node: isinstance(node, sympy.exp), lambda node: self._exp_symbol(node.args[0])
        )
        return replaced.replace(self._is_denominator, self._q_power)

    def unform(self, expression: Expr) -> Expr:
        """``expression`` with each ``Q`` back as ``1 / S`` (for exact evaluation)."""
        return expression.xreplace({q: 1 / base for base, q in self._q.items()})

    def cleared(self, difference: Expr) -> Expr:
        """``difference`` (in this form) times ``S^d`` per denominator, ``Q^k S^d`` rewritten, expanded."""
        polynomial = expand(difference)
        qs = {q: base for base, q in self._q.items() if q in polynomial.free_symbols}
        if not qs:
            return polynomial
        terms = [term.as_powers_dict() for term in sympy.Add.make_args(polynomial)]
        degrees = {q: max(int(powers.get(q, 0)) for powers in terms) for q in qs}
        total = []
        for term, powers in zip(sympy.Add.make_args(polynomial), terms, strict=True):
            rest = term.xreplace({q: 1 for q in qs})
            factors = [base ** (degrees[q] - int(powers.get(q, 0))) for q, base in qs.items()]
            total.append(sympy.Mul(rest, *factors))
        return expand(sympy.Add(*total))

    def textbook_loss(self, labels: tuple[int, ...]) -> Expr:
        """The mean cross-entropy ``(1/B) sum_b (log sum_j exp(z_bj) - z_b,label)``, in this form.

        With ``m`` the row's largest logit, ``exp(z_j) = exp(z_m) exp(z_j - z_m)`` and the logarithm of a
        product of positive reals is the sum of their logarithms: ``log sum_j exp(z_j) = z_m + log S``.
        """
        batch, classes = self.logits.shape
        total = sympy.Integer(0)
        for b in range(batch):
            peak = self.logits[b, self.peaks[b]]
            shifted = sympy.Add(*(self._exp_symbol(self.logits[b, j] - peak) for j in range(classes)))
            log_sum = sympy.expand_log(sympy.log(sympy.exp(peak) * shifted))  # z_m + log S
            total += log_sum - self.logits[b, labels[b]]
        return total / batch

    def logit_gradients(self, labels: tuple[int, ...]) -> np.ndarray[Any, np.dtype[np.object_]]:
        """sympy's gradient of the mean textbook cross-entropy with respect to each logit, in this form ``(B, C)``."""
        batch, classes = self.logits.shape
        result = np.empty((batch, classes), dtype=object)
        for b in range(batch):
            peak = self.peaks[b]
            gradients, r = _textbook_gradients(classes, labels[b], peak)
            rename = {
                r[j]: self._exp_symbol(self.logits[b, j] - self.logits[b, peak]) for j in range(classes) if j != peak
            }
            for j in range(classes):
                result[b, j] = self.normal(gradients[j].xreplace(rename)) / batch
        return result
