"""The exception type of specifications: a property file that cannot be read, or a request it cannot answer."""


class SpecError(ValueError):
    """A VNNLIB file that is malformed or uses what this reader does not support, or a misfit with a network."""


SpecError.__module__ = "verified_nn.spec"
