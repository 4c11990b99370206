"""The case table: what ``verified-nn prove`` proves, one entry per layer, loss or network (:func:`entries`).

An entry builds its subject from fresh symbols: a layer (its parameters symbols) with a symbolic input
batch, a network with a symbolic input batch (every label of every sample is proven), or the loss on
symbolic logits. To prove a new layer, add one :func:`layer_entry` line with the layer built from
:func:`symbols` (``reference``, the textbook forward pass, is optional): its backward pass is then proven
to be the vector-Jacobian product of its forward pass, and, with a reference, its forward pass the
reference, in every case its comparisons split into. A :func:`stack_entry` line proves backprop through
any sequence of layers (a network with the new layer in it). A registered activation needs no line: the
table gives it its own entries (its backward pass, a network through it, and its kinks).
"""

import dataclasses
import itertools
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np

from verified_nn.layers import (
    EVAL,
    Activation,
    AvgPool2D,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    LeakyReLU,
    MaxPool2D,
    Mode,
    ReLU,
    Tanh,
    activation_kinds,
    activation_named,
    layer_class,
)
from verified_nn.layers._layer import Layer
from verified_nn.network import Network

from ._algebra import Expr, sympy
from ._exact import Path, UndecidedError, expressions, symbols

Exprs = np.ndarray[Any, np.dtype[np.object_]]  # an array of sympy expressions
Reference = Callable[[Exprs, Path], Exprs]  # the textbook forward pass of a layer, given the case


@dataclasses.dataclass(frozen=True)
class Subject:
    """What one entry proves things about: a symbolic layer or network and its symbolic input batch."""

    layer: Layer[Any, Any]  # its parameters are symbols (object arrays of Exact)
    inputs: Exprs  # (batch, *features) Exact symbols; logits for the loss entry
    mode: Mode = EVAL  # training mode fixes a dropout mask by its key
    reference: Reference | None = None  # the textbook forward pass (layer entries)


Kind = Literal["layer", "network", "loss", "kinks"]


@dataclasses.dataclass(frozen=True)
class Entry:
    """One row of the table: a name, what kind of proof, and how to build its subject (inside the seam)."""

    name: str
    kind: Kind  # layer: backward = VJP of forward; network: backprop = gradient of the loss; loss: the kernel;
    # kinks: an activation exactly at its kinks (continuous, and a gradient between the one-sided derivatives)
    build: Callable[[], Subject]


def _known(path: Path, value: Expr) -> bool:
    sign = path.known(value)
    if sign is None:
        raise UndecidedError(f"the reference asks the sign of {value}, which the kernel never compared")
    return sign


def dense(name: str, out: int, inputs: int, *, kind: type[Dense[Any, Any]] | None = None) -> Dense[Any, Any]:
    """A dense layer whose weights ``{name}W_o_i`` and bias ``{name}b_o`` are symbols.

    ``kind`` is the class (default ``Dense``; a subclass for a planted bug). Call it inside
    ``symbolic_arrays()`` (an entry's build function is): only there does the constructor admit object
    arrays.
    """
    weights: Any = symbols(f"{name}W", (out, inputs))
    bias: Any = symbols(f"{name}b", (out,))
    return (kind or Dense)(weights=weights, bias=bias)


def conv(name: str, out: int, inputs: int, kernel: int, **window: Any) -> Conv2D[Any, Any]:
    """A convolution whose kernels ``{name}K_o_i_y_x`` and bias ``{name}c_o`` are symbols; ``window`` holds
    ``stride`` and ``padding``. Like :func:`dense`, call it inside ``symbolic_arrays()``."""
    weights: Any = symbols(f"{name}K", (out, inputs, kernel, kernel))
    bias: Any = symbols(f"{name}c", (out,))
    return Conv2D(weights=weights, bias=bias, **window)


def _elementwise(function: Callable[[Expr, Path], Expr]) -> Reference:
    def reference(x: Exprs, path: Path) -> Exprs:
        result: Exprs = np.vectorize(lambda value: function(value, path), otypes=[object])(x)
        return result

    return reference


def _dense_reference(layer: Dense[Any, Any]) -> Reference:
    def reference(x: Exprs, path: Path) -> Exprs:
        weights, bias = expressions(layer.weights), expressions(layer.bias)
        out, inputs = weights.shape
        rows = [
            [sum(weights[o, i] * x[b, i] for i in range(inputs)) + bias[o] for o in range(out)] for b in range(len(x))
        ]
        return np.array(rows, dtype=object)

    return reference


def _relu(value: Expr, path: Path) -> Expr:
    return value if _known(path, value) else sympy.Integer(0)


def _leaky(slope: float) -> Callable[[Expr, Path], Expr]:
    exact = sympy.Rational(slope)  # the binary float's exact value, as the kernel multiplies by it

    def leaky(value: Expr, path: Path) -> Expr:
        return value if _known(path, value) else exact * value

    return leaky


def _dropout_reference(layer: Dropout, mode: Mode) -> Reference:
    def reference(x: Exprs, path: Path) -> Exprs:
        keep = mode.rng().random(x.shape) >= layer.rate  # the mask the key draws
        scale = 1 / (1 - sympy.Rational(layer.rate))
        result: Exprs = np.where(keep, x * scale, sympy.Integer(0))
        return result

    return reference


def layer_entry(name: str, make: Callable[[], Layer[Any, Any]], shape: tuple[int, ...], **options: Any) -> Entry:
    """An entry proving ``make()``'s backward pass on a symbolic batch of ``shape``.

    Options: ``reference``, a function ``(layer) -> Reference`` giving the textbook forward pass (then the
    forward pass is proven too); ``mode``, the forward mode (a training key fixes a dropout mask); ``ties``,
    pairs of indices ``(a, b)`` whose inputs are the same symbol (``x[b] = x[a]``: a tie in a max pool).
    """

    def build() -> Subject:
        layer = make()
        reference = options.get("reference")
        inputs = symbols("x", shape)
        for first, second in options.get("ties", ()):
            inputs[second] = inputs[first]
        return Subject(layer, inputs, options.get("mode", EVAL), reference(layer) if reference else None)

    return Entry(name, "layer", build)


def kink_entry(name: str, make: Callable[[], Layer[Any, Any]]) -> Entry:
    """An entry proving the activation ``make()`` at each of its declared kinks (``_kinks.py``)."""
    return Entry(name, "kinks", lambda: Subject(make(), symbols("x", (1, 1))))


def network_entry(
    name: str, widths: tuple[int, ...], activation: Layer[Any, Any], *, batch: int = 1, **options: Any
) -> Entry:
    """An entry proving backprop through dense layers of ``widths`` with ``activation`` between them.

    Options: ``dropout``, a rate, applied after each activation with the mask of ``mode``; ``dense``, the
    class of the dense layers (a subclass for a planted bug).
    """

    def build() -> Subject:
        layers: list[Layer[Any, Any]] = []
        for index, (inputs, out) in enumerate(itertools.pairwise(widths)):
            layers.append(dense(f"L{index}", out, inputs, kind=options.get("dense")))
            if index < len(widths) - 2:
                layers.append(activation)
                if "dropout" in options:
                    layers.append(Dropout(options["dropout"]))
        return Subject(Network(tuple(layers)), symbols("x", (batch, widths[0])), options.get("mode", EVAL))

    return Entry(name, "network", build)


def stack_entry(
    name: str, make: Callable[[], Sequence[Layer[Any, Any]]], shape: tuple[int, ...], *, mode: Mode = EVAL
) -> Entry:
    """An entry proving backprop through the network of ``make()``'s layers on a symbolic batch of ``shape``
    (batch axis first; the last layer's output is the logits), every label of every sample.

    For a network of new layers: ``stack_entry("conv", lambda: [Conv2D(weights=symbols("K", (2, 1, 3, 3)),
    bias=symbols("c", (2,))), ReLU(), Flatten(), dense("L3", 3, 8)], (1, 1, 4, 4))``.
    """

    def build() -> Subject:
        return Subject(Network(tuple(make())), symbols("x", shape), mode)

    return Entry(name, "network", build)


def loss_entry(name: str, batch: int, classes: int) -> Entry:
    """An entry proving the softmax cross-entropy kernel on symbolic logits ``(batch, classes)``."""

    def build() -> Subject:
        return Subject(Dropout(0.0), symbols("z", (batch, classes)))

    return Entry(name, "loss", build)


TRAIN = Mode.train(7)  # a fixed key: the dropout mask it draws is a constant of the proof


def _masked(layer: Layer[Any, Any]) -> Reference:
    assert isinstance(layer, Dropout)
    return _dropout_reference(layer, TRAIN)


BUILT_IN: tuple[Entry, ...] = (
    layer_entry("Dense 3->2", lambda: dense("", 2, 3), (2, 3), reference=_dense_reference),
    layer_entry("ReLU", ReLU, (2, 3), reference=lambda _: _elementwise(_relu)),
    layer_entry("LeakyReLU 0.01", LeakyReLU, (2, 3), reference=lambda _: _elementwise(_leaky(0.01))),
    layer_entry("Tanh", Tanh, (2, 3), reference=lambda _: _elementwise(lambda v, _: sympy.tanh(v))),
    layer_entry("Dropout eval", lambda: Dropout(0.5), (2, 3), reference=lambda _: _elementwise(lambda v, _: v)),
    layer_entry("Dropout mask", lambda: Dropout(0.5), (2, 3), mode=TRAIN, reference=_masked),
    loss_entry("softmax cross-entropy", 2, 3),
    network_entry("3-3-3 ReLU", (3, 3, 3), ReLU()),
    network_entry("2-4-3-2 ReLU", (2, 4, 3, 2), ReLU()),
    network_entry("3-3-3 LeakyReLU", (3, 3, 3), LeakyReLU(0.01)),
    network_entry("3-3-3 Tanh", (3, 3, 3), Tanh()),
    network_entry("2-4-3-2 Tanh", (2, 4, 3, 2), Tanh()),
    network_entry("2-2-2 ReLU, batch 2", (2, 2, 2), ReLU(), batch=2),
    network_entry("3-3-3 ReLU+Dropout", (3, 3, 3), ReLU(), dropout=0.5, mode=TRAIN),
    # Convolutions: both backward paths (stride 1: a convolution with the turned kernel; otherwise col2im).
    layer_entry("Conv2D 1->2 3x3", lambda: conv("", 2, 1, 3), (1, 1, 4, 4)),
    layer_entry("Conv2D 2->1 2x2 stride 2 pad 1", lambda: conv("", 1, 2, 2, stride=2, padding=1), (1, 2, 3, 3)),
    layer_entry("MaxPool2D 2x2", lambda: MaxPool2D(2), (1, 1, 2, 4)),
    # Ties: window 1 has its two top inputs equal, window 2 its last two (the first maximum gets the gradient).
    layer_entry(
        "MaxPool2D 2x2, ties",
        lambda: MaxPool2D(2),
        (1, 1, 2, 4),
        ties=[((0, 0, 0, 0), (0, 0, 0, 1)), ((0, 0, 1, 2), (0, 0, 1, 3))],
    ),
    layer_entry("AvgPool2D 2x2", lambda: AvgPool2D(2), (1, 2, 4, 4)),
    layer_entry("Flatten", Flatten, (2, 2, 2, 2)),
    stack_entry(
        "tiny CNN, max pool",
        lambda: [conv("C", 1, 1, 2), MaxPool2D(2), ReLU(), Flatten(), dense("L", 2, 1)],
        (1, 1, 3, 3),
    ),
    stack_entry(
        "tiny CNN, average pool",
        lambda: [conv("C", 1, 1, 2, stride=2, padding=1), ReLU(), AvgPool2D(2), Flatten(), dense("L", 2, 1)],
        (1, 1, 2, 2),
    ),
)


def _activation_entries() -> list[Entry]:
    """For every registered activation: its kinks, and (if the table has no entry of its own) its backward pass
    as the vector-Jacobian product of its forward pass: a new activation is proven by registering it."""
    found: list[Entry] = []
    named = {entry.name for entry in BUILT_IN}
    for kind in activation_kinds():
        cls = layer_class(kind)
        title = cls.__name__

        def make(kind: str = kind) -> Activation:
            return activation_named(kind)

        if title not in named:
            found.append(layer_entry(title, make, (2, 3)))
        if make().kinks():
            found.append(kink_entry(f"{title} at its kinks", make))
    return found


def entries() -> tuple[Entry, ...]:
    """The whole table: the built-in entries, then those every registered activation gets (read now, so an
    activation registered after import is proven too)."""
    return (*BUILT_IN, *_activation_entries())
