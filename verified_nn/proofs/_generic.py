"""The gradient formulas for every size, derived by sympy on indexed symbols, and checked on the small cases.

With symbolic sizes (batch ``B``, ``n`` inputs, ``m`` outputs, ``C`` classes) and indexed symbols, sympy
differentiates three losses and each derivative is shown equal to the stated formula:

- dense, ``L = sum_b,i g[b,i] (sum_k W[i,k] x[b,k] + c[i])`` (``g`` the upstream gradient):
  ``dL/dW[p,q] = sum_b g[b,p] x[b,q]``, ``dL/dc[p] = sum_b g[b,p]``, ``dL/dx[r,q] = sum_i g[r,i] W[i,q]``;
- an elementwise activation ``f``, ``L = sum_b,i g[b,i] f(z[b,i])``: ``dL/dz[p,q] = g[p,q] f'(z[p,q])``;
- softmax cross-entropy, ``L = (1/B) sum_b (log sum_j exp(z[b,j]) - sum_j Y[b,j] z[b,j])`` (``Y`` one-hot):
  ``dL/dz[p,q] = (exp(z[p,q]) / sum_j exp(z[p,j]) - Y[p,q]) / B``.

The index ranges are assumed (``0 <= p < m`` and so on): sympy's result is a ``Piecewise`` whose other
branch, an index out of range, is dropped. Each formula is then instantiated at the sizes of a small case
and compared with what the library's kernel computes there on the same symbols (dense 3 -> 2 with batch
2, tanh on a (2, 3) batch, the loss on (2, 3) logits for every label pair).
"""

import dataclasses
import itertools
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from verified_nn.core import cross_entropy_and_gradient
from verified_nn.layers import Dense, Tanh
from verified_nn.layers._layer import symbolic_arrays

from ._algebra import Expr, expand, sympy
from ._exact import Path, explore, expressions, lift, symbols

_B, _N, _M, _C = sympy.symbols("B n m C", integer=True, positive=True)
_b, _i, _j, _k, _p, _q, _r = sympy.symbols("b i j k p q r", integer=True)
_W, _X, _BIAS, _G, _Z, _Y = (sympy.IndexedBase(name) for name in ("W", "x", "c", "g", "z", "Y"))
_F = sympy.Function("f")


@dataclasses.dataclass(frozen=True)
class GenericResult:
    """One generic formula: its statement, whether it was derived, and its checks on a small case.

    ``derived``: sympy's derivative for symbolic sizes equals the statement; ``instance_checks``: entries
    of a small case's kernel result found equal to the statement there (0 if any differs).
    """

    name: str
    statement: str
    derived: bool
    instance_checks: int
    seconds: float

    @property
    def passed(self) -> bool:
        return self.derived and self.instance_checks > 0


def _in_range(expression: Expr) -> Expr:
    """``expression`` with every ``Piecewise((e, indices in range), (0, True))`` as ``e``, summed again."""
    while expression.has(sympy.Piecewise):
        expression = expression.replace(
            lambda node: isinstance(node, sympy.Piecewise), lambda node: node.args[0].expr
        ).doit()
    return expression


def _exchanged(expression: Expr) -> Expr:
    """Every multiple sum with its order of summation reversed (finite sums: the same value)."""
    return expression.replace(
        lambda node: isinstance(node, sympy.Sum) and len(node.limits) > 1,
        lambda node: sympy.Sum(node.function, *reversed(node.limits)),
    )


def _same(derivative: Expr, statement: Expr) -> bool:
    """Whether sympy's ``derivative``, indices in range, is ``statement`` (summing in either order, so that a
    Kronecker delta of the outer index collapses too)."""
    in_range = _in_range(derivative.doit())
    candidates = (in_range, _in_range(_exchanged(in_range).doit()))
    return any(sympy.simplify(candidate - statement) == 0 for candidate in candidates)


def _flat(expression: Expr) -> Expr:
    """Indexed symbols as the plain symbols the entries use: ``W[1, 2]`` -> ``W_1_2``."""
    return expression.replace(
        lambda node: isinstance(node, sympy.Indexed),
        lambda node: sympy.Symbol("_".join([str(node.base), *(str(i) for i in node.indices)]), real=True),
    )


def _instance(formula: Expr, sizes: dict[Any, int], **indices: int) -> Expr:
    """``formula`` at concrete sizes and indices, its sums done, in the entries' plain symbols."""
    fixed = {sympy.Symbol(name, integer=True): value for name, value in indices.items()}
    return _flat(formula.subs(sizes).subs(fixed).doit())


def _dense() -> list[GenericResult]:
    start = time.perf_counter()
    loss = sympy.Sum(
        _G[_b, _i] * (sympy.Sum(_W[_i, _k] * _X[_b, _k], (_k, 0, _N - 1)) + _BIAS[_i]), (_i, 0, _M - 1), (_b, 0, _B - 1)
    )
    d_weight = sympy.Sum(_G[_b, _p] * _X[_b, _q], (_b, 0, _B - 1))
    d_bias = sympy.Sum(_G[_b, _p], (_b, 0, _B - 1))
    d_input = sympy.Sum(_G[_r, _i] * _W[_i, _q], (_i, 0, _M - 1))
    derived = [
        _same(sympy.diff(loss, _W[_p, _q]), d_weight),
        _same(sympy.diff(loss, _BIAS[_p]), d_bias),
        _same(sympy.diff(loss, _X[_r, _q]), d_input),
    ]
    # The small case: Dense 3 -> 2 on a batch of 2, the kernel's own backward on the same symbols.
    sizes = {_B: 2, _N: 3, _M: 2}
    checks = 0
    with symbolic_arrays():
        weights: Any = symbols("W", (2, 3))
        bias: Any = symbols("c", (2,))
        layer = Dense(weights=weights, bias=bias)
        x, upstream = symbols("x", (2, 3)), symbols("g", (2, 2))
        _, cache = layer.forward(x)
        dx, grads = layer.backward(upstream, cache)
    ok = True
    for p, q in itertools.product(range(2), range(3)):
        ok &= expand(lift(grads.weights[p, q]) - _instance(d_weight, sizes, p=p, q=q)) == 0
        checks += 1
    for p in range(2):
        ok &= expand(lift(grads.bias[p]) - _instance(d_bias, sizes, p=p)) == 0
        checks += 1
    for r, q in itertools.product(range(2), range(3)):
        ok &= expand(lift(dx[r, q]) - _instance(d_input, sizes, r=r, q=q)) == 0
        checks += 1
    statement = "dW[p,q] = sum_b g[b,p] x[b,q]; dc[p] = sum_b g[b,p]; dx[r,q] = sum_i g[r,i] W[i,q]"
    return [GenericResult("dense", statement, all(derived), checks if ok else 0, time.perf_counter() - start)]


def _activation() -> list[GenericResult]:
    start = time.perf_counter()
    loss = sympy.Sum(_G[_b, _i] * _F(_Z[_b, _i]), (_i, 0, _M - 1), (_b, 0, _B - 1))
    statement_expr = _G[_p, _q] * sympy.Derivative(_F(_Z[_p, _q]), _Z[_p, _q])
    derived = _same(sympy.diff(loss, _Z[_p, _q]), statement_expr)
    # The small case: tanh (f' = 1 - tanh^2) on a (2, 3) batch.
    tanh_formula = _G[_p, _q] * (1 - sympy.tanh(_Z[_p, _q]) ** 2)
    with symbolic_arrays():
        z, upstream = symbols("z", (2, 3)), symbols("g", (2, 3))
        _, cache = Tanh().forward(z)
        dz, _ = Tanh().backward(upstream, cache)
    checks = 0
    ok = True
    for p, q in itertools.product(range(2), range(3)):
        ok &= expand(lift(dz[p, q]) - _instance(tanh_formula, {}, p=p, q=q)) == 0
        checks += 1
    statement = "dz[p,q] = g[p,q] f'(z[p,q]) (checked with f = tanh)"
    return [GenericResult("activation", statement, derived, checks if ok else 0, time.perf_counter() - start)]


def _softmax_cross_entropy() -> list[GenericResult]:
    start = time.perf_counter()
    loss = (
        sympy.Sum(
            sympy.log(sympy.Sum(sympy.exp(_Z[_b, _j]), (_j, 0, _C - 1)))
            - sympy.Sum(_Y[_b, _j] * _Z[_b, _j], (_j, 0, _C - 1)),
            (_b, 0, _B - 1),
        )
        / _B
    )
    formula = (sympy.exp(_Z[_p, _q]) / sympy.Sum(sympy.exp(_Z[_p, _j]), (_j, 0, _C - 1)) - _Y[_p, _q]) / _B
    derived = _same(sympy.diff(loss, _Z[_p, _q]), formula)
    # The small case: the kernel on (2, 3) logits for every label pair, in every order of the logits.
    z = symbols("z", (2, 3))
    checks = 0
    ok = True

    def run(path: Path) -> None:
        nonlocal checks, ok
        for labels in itertools.product(range(3), repeat=2):
            onehot = {sympy.Symbol(f"Y_{b}_{j}", real=True): int(labels[b] == j) for b in range(2) for j in range(3)}
            gradient = expressions(cross_entropy_and_gradient(z, np.array(labels))[1])
            for p, q in itertools.product(range(2), range(3)):
                expected = _instance(formula, {_B: 2, _C: 3}, p=p, q=q).xreplace(onehot)
                difference = sympy.expand(gradient[p, q] - expected, power_exp=True)
                ok &= sympy.cancel(difference) == 0
                checks += 1

    for _ in explore(run):
        pass
    statement = "dz[p,q] = (exp(z[p,q]) / sum_j exp(z[p,j]) - Y[p,q]) / B"
    return [
        GenericResult("softmax cross-entropy", statement, derived, checks if ok else 0, time.perf_counter() - start)
    ]


GENERIC: tuple[Callable[[], list[GenericResult]], ...] = (_dense, _activation, _softmax_cross_entropy)


def derive_generic() -> list[GenericResult]:
    """Every generic formula, derived for symbolic sizes and checked on its small case."""
    return [result for derive in GENERIC for result in derive()]
