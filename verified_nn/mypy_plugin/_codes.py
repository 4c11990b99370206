"""The plugin's error codes, registered with mypy so that users can target them (``# type: ignore[shape]``)."""

from typing import Final

from mypy.errorcodes import ErrorCode

__all__ = ["SHAPE", "SHAPE_UNKNOWN"]

SHAPE: Final = ErrorCode("shape", "Check that array shapes agree (verified_nn.mypy_plugin)", "General")
SHAPE_UNKNOWN: Final = ErrorCode(
    "shape-unknown",
    "Check that arrays passed where a literal shape is declared have a static shape (strict option)",
    "General",
    sub_code_of=SHAPE,
)
