"""The ceiling on what the data readers will read or inflate, and how to change it."""

import os
from typing import Final

from verified_nn.core import InvalidArgumentError

LIMIT_VARIABLE: Final = "VERIFIED_NN_MAX_DATA_BYTES"
DEFAULT_DATA_LIMIT: Final = 1 << 30  # 1 GiB: MNIST's largest file holds 47 MB once decompressed
MAX_ARCHIVE_MEMBERS: Final = 10_000  # entries scanned in a zip or tar (the MNIST wheel has 80)


def data_limit(limit: int | None = None) -> int:
    """The byte ceiling for one data file, compressed or decompressed, and for one archive.

    ``limit`` if given, else $VERIFIED_NN_MAX_DATA_BYTES (a positive whole number of bytes), else 1 GiB.
    InvalidArgumentError names the variable or argument when the value is not a positive integer.
    """
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise InvalidArgumentError(f"limit must be a positive number of bytes, got {limit!r}")
        return limit
    text = os.environ.get(LIMIT_VARIABLE, "").strip()
    if not text:
        return DEFAULT_DATA_LIMIT
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise InvalidArgumentError(f"{LIMIT_VARIABLE} must be a positive whole number of bytes, got {text!r}")
    return int(text)
