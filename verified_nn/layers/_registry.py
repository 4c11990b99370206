"""Layer kinds by name: how model files describe a layer and build it again, and activations by name.

Everything that finds a layer by its kind reads this registry: model files, PyTorch and ONNX export,
``activation_named`` (hence ``--activation``, ``TrainConfig`` and the scikit-learn estimator), and the proofs'
case table. A new layer registers itself beside its class (``@register_layer``).
"""

import ast
from collections.abc import Mapping
from typing import Any, TypeVar

from verified_nn.core import InvalidArgumentError

from ._activation import Activation, LeakyReLU, ReLU, Tanh
from ._conv import Conv2D
from ._dense import Dense
from ._dropout import Dropout
from ._flatten import Flatten
from ._layer import Array, Layer
from ._normalize import Normalize
from ._pool import AvgPool2D, MaxPool2D
from ._reshape import Reshape

LayerT = TypeVar("LayerT", bound=type[Layer[Any, Any]])

_KINDS: dict[str, type[Layer[Any, Any]]] = {}


def register_layer(cls: LayerT) -> LayerT:
    """Make a layer class known to model files under its ``kind`` (usable as a class decorator)."""
    kind = getattr(cls, "kind", "")
    if not kind or not isinstance(kind, str):
        raise InvalidArgumentError(f"{cls.__name__} needs a class attribute kind naming it in model files")
    known = _KINDS.get(kind)
    if known is not None and known is not cls:
        raise InvalidArgumentError(f"layer kind {kind!r} is taken by {known.__name__}")
    _KINDS[kind] = cls
    return cls


for _cls in (Dense, ReLU, LeakyReLU, Tanh, Dropout, Conv2D, MaxPool2D, AvgPool2D, Flatten, Reshape, Normalize):
    register_layer(_cls)


def layer_kinds() -> tuple[str, ...]:
    """The registered kinds."""
    return tuple(_KINDS)


def layer_class(kind: str) -> type[Layer[Any, Any]]:
    """The class registered under ``kind`` (InvalidArgumentError listing the known kinds)."""
    cls = _KINDS.get(kind)
    if cls is None:
        raise InvalidArgumentError(f"unknown layer kind {kind!r}; known: {', '.join(_KINDS)}")
    return cls


def activation_kinds() -> tuple[str, ...]:
    """The registered kinds that are activations (``relu``, ``leaky_relu``, ``tanh``, ``sigmoid``, ...)."""
    return tuple(kind for kind, cls in _KINDS.items() if issubclass(cls, Activation))


def layer_config(layer: Layer[Any, Any]) -> dict[str, Any]:
    """``{"kind": ..., **settings}``: what a model file records of a layer besides its parameters."""
    if _KINDS.get(layer.kind) is not type(layer):
        raise InvalidArgumentError(f"{type(layer).__name__} is not registered: call register_layer on it first")
    return {"kind": layer.kind, **layer.config()}


def layer_from_config(config: Mapping[str, Any], parameters: Mapping[str, Array]) -> Layer[Any, Any]:
    """The layer a :func:`layer_config` describes, holding ``parameters`` by name (validated like any input)."""
    settings = dict(config)
    kind = settings.pop("kind", None)
    cls = _KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise InvalidArgumentError(f"unknown layer kind {kind!r}; known: {', '.join(_KINDS)}")
    return cls.from_config(settings, parameters)


def activation_named(name: str) -> Activation:
    """A registered activation by kind, with positional settings in parentheses: ``"relu"``, ``"tanh"``,
    ``"leaky_relu"`` (its default slope), ``"leaky_relu(0.2)"``; InvalidArgumentError listing the kinds."""
    kind, parenthesis, rest = name.partition("(")
    cls = _KINDS.get(kind)
    known = ", ".join([*activation_kinds(), "leaky_relu(SLOPE)"])
    if cls is None or not issubclass(cls, Activation) or (parenthesis and not rest.endswith(")")):
        raise InvalidArgumentError(f"unknown activation {name!r}; known: {known}")
    try:
        arguments = ast.literal_eval(f"({rest[:-1]},)") if rest[:-1].strip() else ()
    except (ValueError, SyntaxError):
        raise InvalidArgumentError(f"unknown activation {name!r}; known: {known}") from None
    if not all(isinstance(value, int | float) and not isinstance(value, bool) for value in arguments):
        raise InvalidArgumentError(f"unknown activation {name!r}; known: {known}")
    try:
        return cls(*arguments)  # an out-of-range setting is refused by the class, naming it
    except TypeError:
        raise InvalidArgumentError(f"unknown activation {name!r}; known: {known}") from None
