"""Optimizers by name, as configurations and model files give them."""

from typing import Any, Final

from verified_nn.core import InvalidArgumentError

from ._adam import Adam, AdamW
from ._base import Optimizer
from ._momentum import Momentum
from ._sgd import SGD

OPTIMIZERS: Final = ("sgd", "momentum", "nesterov", "adam", "adamw")


def optimizer_named(
    name: str,
    *,
    learning_rate: float,
    weight_decay: float = 0.0,
    momentum: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
) -> Optimizer[Any]:
    """The optimizer called ``name`` with these settings (each optimizer takes those that apply to it):
    the one factory behind the trainer's configuration and the scikit-learn estimator's solvers."""
    if name == "sgd":
        return SGD(learning_rate=learning_rate, weight_decay=weight_decay)
    if name in ("momentum", "nesterov"):
        return Momentum(
            learning_rate=learning_rate, momentum=momentum, nesterov=name == "nesterov", weight_decay=weight_decay
        )
    if name in ("adam", "adamw"):
        adam = AdamW if name == "adamw" else Adam
        return adam(learning_rate=learning_rate, beta1=beta1, beta2=beta2, weight_decay=weight_decay)
    raise InvalidArgumentError(f"unknown optimizer {name!r}; known: {', '.join(OPTIMIZERS)}")


def optimizer_from_config(config: dict[str, Any]) -> Optimizer[Any]:
    """The optimizer a :meth:`Optimizer.config` describes; InvalidArgumentError for anything else."""
    settings = dict(config)
    name = settings.pop("name", None)
    classes: dict[str, type[Optimizer[Any]]] = {
        "sgd": SGD,
        "momentum": Momentum,
        "nesterov": Momentum,
        "adam": Adam,
        "adamw": AdamW,
    }
    if name not in classes:
        raise InvalidArgumentError(f"unknown optimizer {name!r}; known: {', '.join(OPTIMIZERS)}")
    if name == "nesterov":
        settings["nesterov"] = True
    try:
        return classes[name](**settings)
    except TypeError as error:
        raise InvalidArgumentError(f"optimizer {name}: bad settings ({error})") from None
