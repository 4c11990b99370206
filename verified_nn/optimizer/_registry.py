"""Optimizers by name, as configurations and model files give them."""

from typing import Any, Final

from verified_nn.core import InvalidArgumentError

from ._adam import Adam, AdamW
from ._base import Optimizer
from ._momentum import Momentum
from ._sgd import SGD

OPTIMIZERS: Final = ("sgd", "momentum", "nesterov", "adam", "adamw")


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
