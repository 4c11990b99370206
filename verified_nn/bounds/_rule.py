"""The rule protocol: how one layer kind is bounded; and the registry that finds a layer's rule.

A rule knows one layer kind and nothing of networks: the walkers (``_walk.py``) know networks and no
layer kind. For a node (a layer's input) with a :class:`Box` per domain, a rule gives

- :meth:`Rule.interval`: a box around the layer's output (the interval image, IBP);
- :meth:`Rule.linear`: one step of back-substitution: a :class:`LinearForm` whose coefficients sit on the
  layer's output rewritten as one on its input (CROWN), with a :class:`Step` that can run the chosen
  linear bounds forward again (the gradient of the bound, for optimising slopes);
- for layers whose linear bounds have free slopes (alpha-CROWN), :meth:`Rule.slope_range`;
- for piecewise-linear layers, :meth:`Rule.encode`: exact mixed-integer constraints (``_program.py``).

Every method takes a :class:`Context` carrying the :class:`Rounding` (outward for certificates, none for
training): the same code serves both.
"""

import abc
import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar, TypeAlias, TypeVar

import numpy as np

from verified_nn.layers import Layer

from ._box import Box
from ._errors import BoundsError
from ._rounding import Rounding

Array: TypeAlias = np.ndarray[Any, Any]
T = TypeVar("T")


@dataclasses.dataclass
class Context:
    """What a rule sees besides the layer and the box: the rounding, a memo for this layer and box (values
    such as ``|W| |box|`` that several back-substitution passes through the same layer reuse), and whether
    back-substitution charges the deployed rounding jointly with the bound (see ``_deployed.py``)."""

    rounding: Rounding
    memo: dict[str, Any] = dataclasses.field(default_factory=dict)
    # An affine layer's deployed rounding as a line in |x| (True), or at the box's largest |x| (cheaper: node
    # tightening, whose rows are one value each, uses it; the node boxes hardly differ).
    joint: bool = True

    def remember(self, key: str, make: Callable[[], T]) -> T:
        """``make()`` the first time ``key`` is asked, the same value afterwards."""
        if key not in self.memo:
            self.memo[key] = make()
        value: T = self.memo[key]
        return value


@dataclasses.dataclass(frozen=True)
class LinearForm:
    """Lower bounds of ``rows`` linear functions of one node, for each domain:

        value[d, s] >= lam[d, s] . node[d] + const[d, s] - error[d, s] - noise[d, s]

    ``lam`` is ``(domains, rows, *node shape)``; ``const``, ``error`` and ``noise`` are ``(domains, rows)``.
    ``error`` bounds the rounding of the bound's own arithmetic so far (0 without outward rounding),
    ``noise`` the constant part of the deployed network's rounding weighted by ``|lam|`` (0 for the real
    network); an affine layer's rounding enters ``lam`` itself, as a line in ``|x|`` (``_deployed.py``).
    """

    lam: Array
    const: Array
    error: Array
    noise: Array

    @staticmethod
    def start(spec: Array, dtype: Any) -> "LinearForm":
        """The form ``spec . node`` with nothing else: ``spec`` is ``(domains, rows, *shape)``."""
        lam = np.ascontiguousarray(spec, dtype=dtype)
        zeros = np.zeros(lam.shape[:2], dtype=dtype)
        return LinearForm(lam, zeros, zeros.copy(), zeros.copy())

    def replace(self, **changes: Array) -> "LinearForm":
        """The same form with some fields replaced."""
        return dataclasses.replace(self, **changes)


def rows_dot(lam: Array, values: Array) -> Array:
    """``(domains, rows)``: each row of ``lam`` ``(domains, rows, *shape)`` dotted with its domain's ``values``
    ``(domains, *shape)`` (or a ``(*shape)`` array shared by every domain)."""
    domains, rows = lam.shape[:2]
    flat = lam.reshape(domains, rows, -1)
    if values.ndim == lam.ndim - 2:  # one array for every domain
        result: Array = flat @ values.reshape(-1)
        return result
    product: Array = np.einsum("drn,dn->dr", flat, values.reshape(domains, -1))
    return product


class Step(abc.ABC):
    """One recorded back-substitution step, for the gradient of the bound with respect to the slopes.

    With the choices of the step fixed, the bound is linear in the coefficients: its gradient with respect
    to the coefficients of the layer's output is ``witness(g)``, where ``g`` is the gradient with respect to
    those of its input (the minimising corner of the input box, at the bottom).
    """

    lam: Array | None = None  # the coefficients on the layer's output when the step was taken

    @abc.abstractmethod
    def witness(self, below: Array) -> Array:
        """``(domains, rows, *out)`` from ``(domains, rows, *in)``: the chosen linear bounds run forward."""

    def slope_gradient(self, below: Array) -> Array | None:
        """The gradient of the bound with respect to this layer's slopes (None: it has none)."""
        return None

    def training_gradients(self, below: Array, weight: Array) -> tuple[Any, tuple[Array, Array] | None]:
        """For ``sum(weight * bound)`` (``weight`` ``(domains, rows)``): the gradient of the layer's parameters
        (a layer of the same type, or None) and of its input box ``(d_lower, d_upper)`` through the linear
        bounds' dependence on it (or None), given the witness ``below`` at its input. Training only."""
        return None, None


class Rule(abc.ABC):
    """How one layer kind is bounded (see the module docstring). Subclass it and :func:`register_rule`."""

    relaxed: ClassVar[bool] = False  # its linear bounds depend on its input box (tighter boxes, tighter bounds)

    def check(self, layer: Layer[Any, Any]) -> None:  # noqa: B027  # a hook: most rules take every layer of their kind
        """BoundsError, naming the layer, if this rule cannot bound this particular layer (nothing by default)."""

    @abc.abstractmethod
    def interval(self, layer: Layer[Any, Any], box: Box, ctx: Context) -> Box:
        """A box around the layer's output for every input in ``box`` (and the deployed rounding, if any)."""

    @abc.abstractmethod
    def linear(
        self, layer: Layer[Any, Any], form: LinearForm, box: Box, ctx: Context, slopes: Array | None
    ) -> tuple[LinearForm, Step]:
        """The form with coefficients on the layer's output rewritten onto its input, whose values lie in ``box``.

        ``slopes`` (``(domains, rows, *in)``, for rules with free slopes) chooses the lower bounds.
        """

    def encode(
        self, layer: Layer[Any, Any], program: Any, inputs: Array, box: Box, out: Box, rounding: Rounding
    ) -> Array:
        """Add the layer's exact constraints for one domain to ``program`` (a ``Program``); ``inputs`` are the
        variable indices of its input, ``box`` and ``out`` (one domain) its input's and output's bounds.
        Returns the variable indices of its output. Layers without an exact encoding refuse."""
        raise BoundsError(f"{layer!r} has no exact (MILP) encoding: only piecewise-linear layers have one")

    def exact(self, layer: Layer[Any, Any], values: Any) -> Any:
        """The real layer on exact values (a ``Scaled``): its own forward pass on integers by default; a layer
        whose value is not rational raises ``NotRationalError``."""
        from ._exact import Scaled, exact_with_parameters, own_forward

        if layer.parameters():
            return exact_with_parameters(layer, values)
        return Scaled(own_forward(layer, values.values), values.shift)

    def balls(self, layer: Layer[Any, Any], values: Array, arb: Any) -> Array:
        """The real layer on an object array of ``arb`` balls (each certain to contain its real value)."""
        from ._exact import balls_with_parameters, own_forward

        return balls_with_parameters(layer, values, arb) if layer.parameters() else own_forward(layer, values)

    def train_interval(self, layer: Layer[Any, Any], mu: Array, r: Array, mode: Any) -> tuple[Array, Array, Any]:
        """Certified training's interval step in the layer's dtype without rounding: the box ``mu +- r`` of the
        input to ``(mu', r', cache)`` of the output."""
        raise BoundsError(f"{layer!r} has no differentiable interval rule (certified training)")

    def train_interval_backward(
        self, layer: Layer[Any, Any], d_mu: Array, d_r: Array, cache: Any, first: bool
    ) -> tuple[Array | None, Array | None, Layer[Any, Any]]:
        """The gradient of :meth:`train_interval`: ``(d_mu, d_r, grads)`` with ``grads`` a layer of the same type
        holding the parameter gradients (the layer itself without parameters); the box's gradients may be
        None when ``first`` (nothing lies below the first layer)."""
        raise BoundsError(f"{layer!r} has no differentiable interval rule (certified training)")

    def slope_range(self, layer: Layer[Any, Any], box: Box, ctx: Context) -> tuple[Array, Array] | None:
        """The range ``(low, high)`` ``(domains, *in)`` of the free slopes (None: the rule has none)."""
        return None

    def initial_slopes(self, layer: Layer[Any, Any], box: Box, ctx: Context) -> Array | None:
        """The slopes CROWN chooses without optimising, ``(domains, *in)`` (None: the rule has none)."""
        return None


_RULES: dict[type, Rule] = {}


def register_rule(layer_type: type[Layer[Any, Any]], rule: Rule) -> None:
    """Bound layers of ``layer_type`` (and its subclasses without a rule of their own) with ``rule``."""
    if not (isinstance(layer_type, type) and issubclass(layer_type, Layer)):
        raise BoundsError(f"register_rule: expected a Layer subclass, got {layer_type!r}")
    if not isinstance(rule, Rule):
        raise BoundsError(f"register_rule: expected a Rule, got {type(rule).__name__}")
    _RULES[layer_type] = rule


def rule_for(layer: Layer[Any, Any], *, index: int | None = None) -> Rule:
    """The rule of ``layer``'s class, or of its nearest base class that has one; BoundsError naming the layer."""
    for cls in type(layer).__mro__:
        rule = _RULES.get(cls)
        if rule is not None:
            try:
                rule.check(layer)
            except BoundsError as error:
                raise BoundsError(f"layer {index}: {error}" if index is not None else str(error)) from None
            return rule
    where = f"layer {index}, " if index is not None else ""
    known = ", ".join(sorted(cls.__name__ for cls in _RULES))
    raise BoundsError(f"no bound rule for {where}{layer!r} (rules exist for {known}; register_rule adds one)")
