"""Runtime shape checking: one decorator applying jaxtyping + beartype, with an off switch.

Set the environment variable ``VERIFIED_NN_RUNTIME_CHECKS=0`` before importing verified_nn to
turn the checks off (they are on by default). The decision is taken once, at import.
"""

import dataclasses
import functools
import os
from collections.abc import Callable
from typing import Any, Final, TypeVar, cast

from beartype import beartype
from jaxtyping import TypeCheckError, jaxtyped

from ._errors import InvalidArgumentError, ShapeError

ENVIRONMENT_VARIABLE: Final = "VERIFIED_NN_RUNTIME_CHECKS"
_ON = ("1", "true", "on", "yes", "")
_OFF = ("0", "false", "off", "no")

FunctionT = TypeVar("FunctionT", bound=Callable[..., Any])
ClassT = TypeVar("ClassT", bound=type)
MARKER: Final = "__verified_nn_checked__"  # set on every function and class these decorators check


def _read_switch() -> bool:
    value = os.environ.get(ENVIRONMENT_VARIABLE, "1").strip().lower()
    if value in _ON:
        return True
    if value in _OFF:
        return False
    raise InvalidArgumentError(
        f"{ENVIRONMENT_VARIABLE} must be one of 1/0, on/off, true/false; got {value!r}"
    )


RUNTIME_CHECKS: Final[bool] = _read_switch()


def _convert_errors(function: Callable[..., Any], name: str) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except ShapeError:
            raise
        except TypeCheckError as error:
            raise ShapeError.from_type_check(name, error) from error

    setattr(wrapper, MARKER, True)
    return wrapper


def is_checked(obj: object) -> bool:
    """Whether ``obj`` is a function or dataclass wrapped by :func:`checked` or :func:`checked_dataclass`."""
    return bool(getattr(obj, MARKER, False))


def checked(function: FunctionT) -> FunctionT:
    """Check every annotated argument and the return value of ``function`` at each call.

    A mismatch raises :class:`ShapeError`. With checks switched off, returns ``function`` unchanged.
    """
    if not RUNTIME_CHECKS:
        return function
    inner = jaxtyped(typechecker=beartype)(function)
    return cast(FunctionT, _convert_errors(inner, function.__qualname__))


def checked_dataclass(cls: ClassT) -> ClassT:
    """Check the annotated fields of a dataclass when an instance is built."""
    if not RUNTIME_CHECKS:
        return cls
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls.__name__} must be a dataclass")
    checked_cls: ClassT = jaxtyped(typechecker=beartype)(cls)
    init = checked_cls.__init__  # type: ignore[misc]
    checked_cls.__init__ = _convert_errors(init, cls.__qualname__)  # type: ignore[misc]
    setattr(checked_cls, MARKER, True)
    return checked_cls
