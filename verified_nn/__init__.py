"""verified-nn: a shape-typed MNIST network whose gradients and invariants are checked, not assumed."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("verified-nn")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
