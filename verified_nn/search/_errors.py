"""The exception type of the search: a request it cannot run (an unreadable instances list, a misfit model)."""


class SearchError(ValueError):
    """A benchmark folder, model or option the search cannot use; the message names it."""


SearchError.__module__ = "verified_nn.search"
