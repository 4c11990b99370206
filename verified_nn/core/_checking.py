"""Runtime shape checking: one decorator applying beartype to jaxtyping annotations, with an off switch.

Set the environment variable ``VERIFIED_NN_RUNTIME_CHECKS=0`` before importing verified_nn to turn
the checks off (they are on by default). The decision is taken once, at import; an unrecognised value
makes the import raise InvalidArgumentError (the ``verified-nn`` command reports it as one line).
"""

import dataclasses
import functools
import inspect
import os
import typing
from collections.abc import Callable
from typing import Any, Final, TypeVar, cast

import numpy as np
from beartype import beartype
from beartype.door import is_bearable
from beartype.roar import BeartypeCallHintParamViolation, BeartypeCallHintReturnViolation
from jaxtyping import AbstractArray, jaxtyped

from ._errors import InvalidArgumentError, ShapeError

ENVIRONMENT_VARIABLE: Final = "VERIFIED_NN_RUNTIME_CHECKS"
MARKER: Final = "__verified_nn_checked__"  # set on every function and class these decorators check
_ON = ("1", "true", "on", "yes", "")
_OFF = ("0", "false", "off", "no")

FunctionT = TypeVar("FunctionT", bound=Callable[..., Any])
ClassT = TypeVar("ClassT", bound=type)


def _read_switch() -> bool:
    """The switch's value; InvalidArgumentError (raised at import, one line) for anything unrecognised."""
    raw = os.environ.get(ENVIRONMENT_VARIABLE, "1")
    value = raw.strip().lower()
    if value in _ON:
        return True
    if value in _OFF:
        return False
    raise InvalidArgumentError(
        f"{ENVIRONMENT_VARIABLE} must be one of 1/0, on/off, true/false, yes/no (or unset for on); got {raw!r}"
    )


RUNTIME_CHECKS: Final[bool] = _read_switch()


def describe(value: object) -> str:
    """A short description of a value for error messages: ``float64[64,784]`` for arrays."""
    if isinstance(value, np.ndarray):
        return f"{value.dtype}[{','.join(str(size) for size in value.shape)}]"
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 40 else text[:37] + '...'}"


def _hint_name(hint: Any) -> str:
    if isinstance(hint, type) and issubclass(hint, AbstractArray):
        return hint.__name__  # e.g. Floating[ndarray, 'batch 784']
    return hint.__qualname__ if isinstance(hint, type) else repr(hint)


def _named_sizes(hint: Any, value: np.ndarray[Any, Any]) -> list[str]:
    # "batch 784" against shape (64, 784) -> ["batch=64"]; variadic dims are left out.
    words = str(getattr(hint, "dim_str", "")).split()
    if len(words) != value.ndim or any(word.startswith(("*", "...")) for word in words):
        return []
    return [f"{word}={size}" for word, size in zip(words, value.shape, strict=True) if word.isidentifier()]


def _explain(name: str, function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> ShapeError:
    """Find the first argument that fails its annotation, re-checking in order in a fresh dims scope."""
    hints = typing.get_type_hints(function)
    bound = inspect.signature(function).bind(*args, **kwargs)
    bound.apply_defaults()
    passed: list[str] = []
    sizes: list[str] = []
    with jaxtyped("context"):
        for parameter, value in bound.arguments.items():
            if parameter not in hints:
                continue
            if not is_bearable(value, hints[parameter]):
                bound_sizes = f"{', '.join(dict.fromkeys(sizes))} from " if sizes else ""
                context = f" ({bound_sizes}{', '.join(passed)})" if passed else ""
                return ShapeError(
                    f"{name}: argument '{parameter}' expected {_hint_name(hints[parameter])}, "
                    f"got {describe(value)}{context}"
                )
            if isinstance(value, np.ndarray):
                passed.append(f"{parameter}: {describe(value)}")
                sizes.extend(_named_sizes(hints[parameter], value))
    return ShapeError(f"{name}: arguments do not match their annotations")


def _check(function: Callable[..., Any], name: str) -> Callable[..., Any]:
    # beartype compiles one checker for all arguments and the return value; inside a fresh jaxtyping
    # context its isinstance checks bind named dims (``batch``) so they must agree across the call.
    typechecked = beartype(function)
    returns = inspect.signature(function).return_annotation

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with jaxtyped("context"):
            try:
                return typechecked(*args, **kwargs)
            except BeartypeCallHintParamViolation:
                raise _explain(name, function, args, kwargs) from None
            except BeartypeCallHintReturnViolation as error:
                culprit = error.culprits[-1] if error.culprits else None
                raise ShapeError(
                    f"{name}: return value expected {_hint_name(returns)}, got {describe(culprit)}"
                ) from None

    setattr(wrapper, MARKER, True)
    return wrapper


def is_checked(obj: object) -> bool:
    """Whether ``obj`` is a function or dataclass wrapped by :func:`checked` or :func:`checked_dataclass`."""
    return bool(getattr(obj, MARKER, False))


def checked(function: FunctionT) -> FunctionT:
    """Check every annotated argument and the return value of ``function`` at each call.

    A mismatch raises :class:`ShapeError` naming the function, the argument, the expected annotation
    and what was given. With checks switched off, returns ``function`` unchanged.
    """
    if not RUNTIME_CHECKS:
        return function
    return cast(FunctionT, _check(function, function.__qualname__))


def checked_dataclass(cls: ClassT) -> ClassT:
    """Check the annotated fields of a dataclass when an instance is built."""
    if not RUNTIME_CHECKS:
        return cls
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls.__name__} must be a dataclass")
    cls.__init__ = _check(cls.__init__, cls.__qualname__)  # type: ignore[method-assign]
    setattr(cls, MARKER, True)
    return cls
