"""The one exception type for an output that cannot, or must not, be written."""


class OutputError(ValueError):
    """A file to write is refused (a link, a directory, a device, an input of the command, a missing
    directory) or could not be written (a full disk, a file size limit, no permission).

    The message is one line naming the file (and the option that gave it, where there is one). When it
    is raised, the file at that path is what it was before: the new content was never put in its place.
    """


OutputError.__module__ = "verified_nn.files"
