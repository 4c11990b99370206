"""Optional extras: importing a module that an extra provides, or one line saying how to install it."""

import importlib
from types import ModuleType

from ._errors import InvalidArgumentError


class MissingExtraError(InvalidArgumentError, ImportError):
    """An optional dependency is not installed; the message names the extra that installs it.

    It is an ``ImportError`` (what a missing module is) and an ``InvalidArgumentError`` (so the command
    line reports it as one line, without a traceback).
    """


MissingExtraError.__module__ = "verified_nn.core"


def require_extra(module: str, *, extra: str | None, purpose: str, package: str | None = None) -> ModuleType:
    """Import ``module``; if it is missing, raise :class:`MissingExtraError` saying how to install it.

    The message reads "``purpose`` needs ``package``: pip install 'verified-nn[``extra``]'", e.g.
    "reading PNG and JPEG files needs Pillow: ..."; ``package`` defaults to the top-level module name.
    With ``extra=None`` (a dependency no extra carries, such as PyTorch) it says ``pip install package``.
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        name = package or module.split(".")[0]
        command = f"pip install 'verified-nn[{extra}]'" if extra else f"pip install {name}"
        raise MissingExtraError(f"{purpose} needs {name}: {command}") from None
