"""The exception types raised by verified-nn's numerical core."""


class ShapeError(TypeError):
    """An argument or return value does not have its declared shape, dtype or type.

    The message is one line naming the function, the argument, the expected annotation and what was
    given (for arrays, dtype and shape, such as ``float64[100]``).
    """


class InvalidArgumentError(ValueError):
    """An argument has the right type and shape but a value outside what the function accepts."""


# Shown in tracebacks as verified_nn.core.ShapeError, where users import it from.
ShapeError.__module__ = InvalidArgumentError.__module__ = "verified_nn.core"
