"""The exception types of the bound core: a network, a layer or a request it cannot bound; a pass out of time."""

from verified_nn.core import InvalidArgumentError


class BoundsError(InvalidArgumentError):
    """A layer without a bound rule, a network or request the rules cannot handle (one line, naming it)."""


BoundsError.__module__ = "verified_nn.bounds"


class OutOfTimeError(Exception):
    """A bound pass reached its deadline before it finished: no bound, the caller answers ``timeout``."""


OutOfTimeError.__module__ = "verified_nn.bounds"
