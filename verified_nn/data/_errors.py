"""The one exception type for bad, missing or unobtainable data files."""


class DataError(ValueError):
    """A data file is missing, corrupt, inconsistent, fails its checksum, or cannot be fetched.

    The message is one line that names the file (or dataset) and what is wrong with it.
    """


DataError.__module__ = "verified_nn.data"
