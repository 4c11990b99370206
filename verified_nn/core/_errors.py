"""The exception types raised by verified-nn's numerical core."""

import re

from jaxtyping import TypeCheckError

_PARAMETER = re.compile(r"typechecking parameter '([^']+)'")
_ACTUAL = re.compile(r"^Actual value: (.*)$", re.MULTILINE)
_EXPECTED = re.compile(r"^Expected type: (?:<class ')?(.*?)(?:'>)?\.$", re.MULTILINE)
_AXES = re.compile(r"^(\w+)=(\d+)$", re.MULTILINE)


class ShapeError(TypeCheckError):
    """An argument or return value does not have its declared shape, dtype or type.

    The first line of the message names the function, the argument, the expected annotation
    and the actual value (for arrays, dtype and shape, such as ``f64[100]``).
    """

    @classmethod
    def from_type_check(cls, function: str, error: TypeCheckError) -> "ShapeError":
        """Summarise a jaxtyping/beartype failure in one line that names what is wrong."""
        text = str(error)
        parameter = _PARAMETER.search(text)
        actual = _ACTUAL.search(text)
        expected = _EXPECTED.search(text)
        if actual is None or expected is None:
            return cls(f"{function}: {text}")
        where = f"argument '{parameter.group(1)}'" if parameter else "return value"
        axes = ", ".join(f"{name}={size}" for name, size in _AXES.findall(text))
        bound = f" (axes bound so far: {axes})" if axes else ""
        return cls(f"{function}: {where} expected {expected.group(1)}, got {actual.group(1)}{bound}")


class InvalidArgumentError(ValueError):
    """An argument has the right type and shape but a value outside what the function accepts."""
