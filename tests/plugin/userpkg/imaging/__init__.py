"""A small numpy package that knows nothing of verified-nn: the shape plugin checks it all the same."""
