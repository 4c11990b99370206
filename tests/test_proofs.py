"""The symbolic proofs: the seam admits exact symbols only inside it, the shipped kernels are proven,
and each planted kernel bug (copies of the kernels, wrong in one way) makes its entry fail by name."""

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

pytest.importorskip("sympy")

from planted import (
    MaxPoolEveryTie,
    NoBiasDense,
    ReLUJumpAtZero,
    ReLUWrongAtZero,
    ReLUWrongForNegatives,
    SignDense,
    TransposedDense,
)

from verified_nn.core import ShapeError, cross_entropy_and_gradient
from verified_nn.layers import Activation, AvgPool2D, Conv2D, Dense, LeakyReLU, ReLU, Tanh
from verified_nn.layers._layer import symbolic_arrays
from verified_nn.network import (
    Batch,
    Network,
    _backprop as backprop_module,
)
from verified_nn.proofs import (
    Entry,
    Exact,
    conv,
    dense,
    entries,
    explore,
    kink_entry,
    layer_entry,
    network_entry,
    prove_entry,
    symbols,
)
from verified_nn.proofs._exact import UndecidedError

Array = np.ndarray[Any, Any]


def _entry(name: str) -> Entry:
    return next(entry for entry in entries() if entry.name == name)


# The seam: object arrays pass the layers' dtype checks inside symbolic_arrays() only.


def test_outside_the_entry_point_an_object_array_is_refused() -> None:
    layer: Any = Dense(weights=np.ones((2, 3)), bias=np.zeros(2))  # Any: the run-time check is under test
    x: Any = np.array([[1, 2, 3]], dtype=object)
    with pytest.raises(ShapeError, match=r"Dense.forward: argument 'x' expected float\[batch, 3\], got object\[1,3\]"):
        layer.forward(x)
    with pytest.raises(ShapeError, match=r"argument 'weights' expected float\[out, in\], got object\[2,3\]"):
        Dense(weights=np.ones((2, 3), dtype=object), bias=np.zeros(2, dtype=object))
    with pytest.raises(ShapeError, match=r"Batch: argument 'images' expected float\[batch, \.\.\.\]"):
        Batch.of(x).labelled(np.array([0]))
    with pytest.raises(ShapeError, match=r"ReLU.forward: argument 'x'"):
        ReLU().forward(x)


def test_inside_the_entry_point_an_object_array_runs_and_shapes_are_still_checked() -> None:
    layer: Any = Dense(weights=np.ones((2, 3)), bias=np.zeros(2))  # Any: the run-time check is under test
    x: Any = np.array([[1, 2, 3]], dtype=object)
    narrow: Any = np.array([[1, 2]], dtype=object)
    with symbolic_arrays():
        y, _ = layer.astype(object).forward(x)
        assert y.dtype == object and y.tolist() == [[6.0, 6.0]]
        with pytest.raises(ShapeError, match=r"expected float\[batch, 3\], got object\[1,2\]"):
            layer.astype(object).forward(narrow)
    with pytest.raises(ShapeError):  # and refused again after the block
        layer.forward(x)


def test_an_exact_value_cannot_be_compared_or_rounded_outside_a_case() -> None:
    (value,) = symbols("v", (1,))
    with pytest.raises(UndecidedError, match="outside a proof's case split"):
        _ = value > 0
    with pytest.raises(TypeError, match="has no float"):
        float(value)
    with pytest.raises(TypeError, match="undecided"):
        bool(value)


def test_explore_visits_every_sign_pattern_once() -> None:
    x = symbols("x", (3,))
    assert [result for _, result in explore(lambda path: ())] == [()]  # nothing compared: one case
    patterns = [pattern for _, pattern in explore(lambda path: tuple(bool(v > 0) for v in x))]
    assert sorted(patterns) == sorted({(a, b, c) for a in (False, True) for b in (False, True) for c in (False, True)})


def test_the_relu_layer_has_one_case_per_activation_pattern() -> None:
    result = prove_entry(_entry("ReLU"))
    assert result.passed and result.cases == 2**6  # a (2, 3) batch
    assert result.identities == result.cases * 12  # 6 input gradients and 6 forward values per case
    assert result.checked_points == 2 * result.identities


@pytest.mark.parametrize(
    "name",
    [
        "Dense 3->2",
        "LeakyReLU 0.01",
        "Tanh",
        "Dropout eval",
        "Dropout mask",
        "softmax cross-entropy",
        "3-3-3 ReLU",
        "3-3-3 Tanh",
        "3-3-3 ReLU+Dropout",
        "Conv2D 1->2 3x3",
        "Conv2D 2->1 2x2 stride 2 pad 1",
        "MaxPool2D 2x2",
        "AvgPool2D 2x2",
        "Flatten",
        "tiny CNN, max pool",
        "tiny CNN, average pool",
    ],
)
def test_the_shipped_kernels_are_proven(name: str) -> None:
    result = prove_entry(_entry(name))
    assert result.passed, [str(failure) for failure in result.failures[:3]]
    assert result.identities > 0 and result.checked_points == 2 * result.identities


def test_every_label_and_logit_order_is_a_case_of_the_loss() -> None:
    result = prove_entry(_entry("softmax cross-entropy"))
    # (2, 3) logits: 2 comparisons per row for the max shift, 4 orders per row; 9 label pairs, 6 logits
    # and the loss itself.
    assert (result.cases, result.identities) == (16, 16 * 9 * (6 + 1))


def test_every_relu_pattern_of_the_2_4_3_2_network_is_a_case() -> None:
    # 4 + 3 hidden units: 128 patterns, times the 2 orders of the two logits.
    entry = _entry("2-4-3-2 ReLU")
    cases = 0
    with symbolic_arrays():
        subject = entry.build()
        network = subject.layer
        assert isinstance(network, Network)
        for _ in explore(lambda path: network.forward(subject.inputs)[0].max(axis=1)):
            cases += 1
    assert cases == 2**7 * 2


# Planted bugs: copies of the shipped kernels, each wrong in one way. The gradient checker's four
# (tests/planted.py) and these:


class _MissingTransposeDense(Dense[Any, Any]):
    def backward(self, dy: Any, cache: Any) -> Any:
        return dy @ self.weights.T, self._gradients(dy, cache)  # dx = dy W^T instead of dy W


class _WrongSlopeLeakyReLU(LeakyReLU):
    def derivative(self, x: Any, y: Any) -> Any:
        return np.where(x > 0, 1, 0.1).astype(x.dtype)  # the forward pass uses slope 0.01


class _SignErrorTanh(Tanh):
    def derivative(self, x: Any, y: Any) -> Any:
        return y * y - 1  # -(1 - tanh^2)


class _UnturnedConv2D(Conv2D[Any, Any]):
    def _turned(self) -> Array:
        # The stride-1 input gradient with the kernel not turned by 180 degrees (a correlation where
        # a convolution is needed).
        kernel: Array = self.weights.transpose(1, 0, 2, 3).reshape(self.weights.shape[1], -1)
        return kernel


class _AvgPoolWithoutArea(AvgPool2D):
    def backward(self, dy: Any, cache: Any) -> Any:
        dx, grads = super().backward(dy, cache)
        return dx * 4, grads  # the 1/(kh*kw) of a 2x2 window dropped


def _unturned_conv() -> Conv2D[Any, Any]:
    layer = conv("", 2, 1, 3)
    return _UnturnedConv2D(weights=layer.weights, bias=layer.bias)


def _square_network(kind: type[Dense[Any, Any]]) -> Entry:
    # Square layers, so that a transposed gradient keeps its shape and only its values are wrong.
    return network_entry(f"2-2-2 ReLU with {kind.__name__}", (2, 2, 2), ReLU(), dense=kind)


PLANTED: dict[str, Callable[[], Entry]] = {
    "transposed weight gradient": lambda: _square_network(TransposedDense),
    "bias gradient dropped": lambda: _square_network(NoBiasDense),
    "sign of the weight gradient": lambda: _square_network(SignDense),
    "missing transpose in dx": lambda: _square_network(_MissingTransposeDense),
    "ReLU derivative 1 for negatives": lambda: network_entry("2-2-2 bad ReLU", (2, 2, 2), ReLUWrongForNegatives()),
    "wrong leaky slope": lambda: layer_entry("wrong slope", _WrongSlopeLeakyReLU, (1, 3)),
    "sign error in tanh'": lambda: network_entry("2-2-2 bad tanh", (2, 2, 2), _SignErrorTanh()),
    "convolution's input gradient with the kernel not turned": lambda: layer_entry(
        "Conv2D unturned", _unturned_conv, (1, 1, 4, 4)
    ),
    "average pooling's gradient without 1/area": lambda: layer_entry(
        "AvgPool2D without area", lambda: _AvgPoolWithoutArea(2), (1, 1, 2, 2)
    ),
    "square dense layer, transposed": lambda: layer_entry(
        "Dense 2->2 transposed", lambda: dense("", 2, 2, kind=TransposedDense), (1, 2)
    ),
}


@pytest.mark.parametrize("bug", sorted(PLANTED))
def test_a_planted_kernel_bug_fails_its_entry_by_name(bug: str) -> None:
    entry = PLANTED[bug]()
    result = prove_entry(entry)
    assert not result.passed and result.failures
    assert all(str(failure).startswith(f"{entry.name}: ") for failure in result.failures)


def _loss_without_batch_factor(logits: Array, labels: Array, *, seed: float = 1.0) -> tuple[float, Array]:
    loss, gradient = cross_entropy_and_gradient(logits, labels, seed=seed)
    return loss, gradient * logits.shape[0]  # the 1/batch dropped


def test_a_gradient_without_the_batch_factor_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backprop_module, "cross_entropy_and_gradient", _loss_without_batch_factor)
    entry = network_entry("2-2 dense, batch 2", (2, 2), ReLU(), batch=2)
    result = prove_entry(entry)
    assert not result.passed
    assert str(result.failures[0]).startswith("2-2 dense, batch 2: 0.weight[0,0], labels (0, 0): kernel - derivative")


def test_exact_values_keep_floats_exact() -> None:
    (value,) = symbols("v", (1,))
    assert isinstance(value * 0.1, Exact)
    assert str((value * 0.1).expr) == "3602879701896397*v_0/36028797018963968"  # the binary 0.1, not 1/10


def test_the_rational_cross_check_catches_what_a_lying_sympy_would_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    from verified_nn.proofs import _run

    monkeypatch.setattr(_run, "expand", lambda expression: 0)  # every symbolic difference "is 0"
    result = prove_entry(PLANTED["wrong leaky slope"]())
    assert not result.passed
    assert "exact evaluation: kernel" in str(result.failures[0])
    assert prove_entry(_entry("LeakyReLU 0.01")).passed  # and the true identities still evaluate equal


def test_the_generic_formulas_are_derived_and_a_wrong_one_is_not() -> None:
    from verified_nn.proofs import _generic as g
    from verified_nn.proofs._algebra import sympy

    assert all(result.passed for result in g.derive_generic())
    loss = sympy.Sum(
        g._G[g._b, g._i] * g._W[g._i, g._k] * g._X[g._b, g._k],
        (g._k, 0, g._N - 1),
        (g._i, 0, g._M - 1),
        (g._b, 0, g._B - 1),
    )
    right = sympy.Sum(g._G[g._b, g._p] * g._X[g._b, g._q], (g._b, 0, g._B - 1))
    transposed = sympy.Sum(g._G[g._b, g._q] * g._X[g._b, g._p], (g._b, 0, g._B - 1))
    assert g._same(sympy.diff(loss, g._W[g._p, g._q]), right)
    assert not g._same(sympy.diff(loss, g._W[g._p, g._q]), transposed)


def test_a_batch_of_three_exposes_the_float_rounding_of_one_over_three() -> None:
    # The kernel computes seed / batch as a Python float: exact for 1, 2, 4, ..., rounded for 3.
    from verified_nn.proofs import loss_entry

    assert prove_entry(loss_entry("loss, batch 4", 4, 2)).passed
    result = prove_entry(loss_entry("loss, batch 3", 3, 2))
    assert not result.passed
    assert "kernel - derivative = 1/54043195528445952, not 0" in str(result.failures[0])


def _loss_doubled(logits: Array, labels: Array, *, seed: float = 1.0) -> tuple[float, Array]:
    loss, gradient = cross_entropy_and_gradient(logits, labels, seed=seed)
    return loss * 2, gradient  # the gradient right, the loss it reports wrong


def test_a_kernel_whose_loss_is_not_the_cross_entropy_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backprop_module, "cross_entropy_and_gradient", _loss_doubled)
    result = prove_entry(network_entry("2-2 dense", (2, 2), ReLU()))
    assert not result.passed
    assert {failure.identity for failure in result.failures} == {"loss, labels (0,)", "loss, labels (1,)"}


def test_a_stack_of_any_layers_is_one_entry() -> None:
    from verified_nn.proofs import stack_entry

    entry = stack_entry("2 -> 3 -> tanh -> 2", lambda: [dense("A", 3, 2), Tanh(), dense("B", 2, 3)], (1, 2))
    result = prove_entry(entry)
    assert result.passed and result.cases == 2  # the two orders of the two logits
    bad = stack_entry("2 -> 3 -> bad tanh -> 2", lambda: [dense("A", 3, 2), _SignErrorTanh(), dense("B", 2, 3)], (1, 2))
    assert not prove_entry(bad).passed


# The boundaries: an input exactly at a kink, two tied inputs of a max pool. The strict cases of the
# symbolic entries cannot see a bug that lives only there; the kink and tie entries do.


@pytest.mark.parametrize(
    ("planted", "identity"), [(ReLUWrongAtZero, "dx at kink 0.0"), (ReLUJumpAtZero, "forward at kink 0.0")]
)
def test_a_relu_wrong_only_at_its_kink_passes_the_strict_cases_and_fails_at_the_kink(
    planted: Any, identity: str
) -> None:
    strict = prove_entry(layer_entry("planted ReLU", planted, (2, 3)))
    assert strict.passed  # every symbolic case is strictly on one side of 0
    at_kink = prove_entry(kink_entry("planted ReLU at its kinks", planted))
    assert not at_kink.passed and at_kink.failures[0].identity == identity
    assert prove_entry(kink_entry("ReLU at its kinks", ReLU)).passed


def test_a_max_pool_that_gives_every_tied_maximum_the_gradient_fails_only_the_tie_entry() -> None:
    from verified_nn.proofs import entries

    shipped = next(entry for entry in entries() if entry.name == "MaxPool2D 2x2, ties")
    assert prove_entry(shipped).passed
    strict = prove_entry(layer_entry("planted max pool", lambda: MaxPoolEveryTie(2), (1, 1, 2, 4)))
    assert strict.passed
    ties = [((0, 0, 0, 0), (0, 0, 0, 1)), ((0, 0, 1, 2), (0, 0, 1, 3))]
    tied = prove_entry(layer_entry("planted max pool, ties", lambda: MaxPoolEveryTie(2), (1, 1, 2, 4), ties=ties))
    assert not tied.passed and any(
        "(tied)" in failure.identity or "dx[" in failure.identity for failure in tied.failures
    )


class Logistic(Activation):
    """``1 / (1 + e^-x)`` with the derivative ``y (1 - y)`` from the output."""

    def function(self, x: Any) -> Any:
        return 1 / (1 + np.exp(-x))

    def derivative(self, x: Any, y: Any) -> Any:
        return y * (1 - y)


class WrongLogistic(Logistic):
    def derivative(self, x: Any, y: Any) -> Any:
        return y * (1 - y) * 1.0001


def test_a_transcendental_identity_is_proven_and_a_wrong_one_is_not() -> None:
    """The logistic's ``y (1 - y)`` equals sympy's ``e^-x / (1 + e^-x)^2`` only after rewriting quotients: proven;
    a derivative off by a factor is never called proven."""
    assert prove_entry(layer_entry("logistic", Logistic, (1, 2))).passed
    assert not prove_entry(layer_entry("wrong logistic", WrongLogistic, (1, 2))).passed
