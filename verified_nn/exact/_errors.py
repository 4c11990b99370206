"""The one exception type of the floats-against-reals check."""


class FloatCheckError(ValueError):
    """The float check cannot run: an unsupported network, mismatched arrays, or a broken float assumption.

    The message is one line naming what was wrong.
    """


# Shown in tracebacks as verified_nn.exact.FloatCheckError, where users import it from.
FloatCheckError.__module__ = "verified_nn.exact"
