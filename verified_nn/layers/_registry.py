"""Layer kinds by name: how model files describe a layer and build it again, and activations by name."""

from collections.abc import Mapping
from typing import Any, Final, TypeVar

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
ACTIVATIONS: Final = ("relu", "leaky_relu", "tanh")


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
    """``"relu"``, ``"leaky_relu"`` (slope 0.01), ``"leaky_relu(0.2)"`` or ``"tanh"`` as a layer."""
    if name == "relu":
        return ReLU()
    if name == "tanh":
        return Tanh()
    if name == "leaky_relu":
        return LeakyReLU()
    if name.startswith("leaky_relu(") and name.endswith(")"):
        try:
            slope = float(name[len("leaky_relu(") : -1])
        except ValueError:
            slope = None
        if slope is not None:
            return LeakyReLU(slope)  # an out-of-range slope is refused by LeakyReLU, naming it
    raise InvalidArgumentError(f"unknown activation {name!r}; known: relu, leaky_relu, leaky_relu(SLOPE), tanh")
