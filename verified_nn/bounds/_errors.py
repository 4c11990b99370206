"""The exception type of the bound core: a network, a layer or a request it cannot bound."""

from verified_nn.core import InvalidArgumentError


class BoundsError(InvalidArgumentError):
    """A layer without a bound rule, a network or request the rules cannot handle (one line, naming it)."""


BoundsError.__module__ = "verified_nn.bounds"
