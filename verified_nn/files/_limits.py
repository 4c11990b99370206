"""Ceilings on what an input may ask for, each documented, each raised by an environment variable.

A ceiling is checked before the work it bounds (reading, decoding, allocating, starting processes), and
a value over it is refused in one line that names the file or option, the limit and the variable that
raises it: ``m.safetensors: the architecture has 1,000,000 layers, over the limit of 1,000 layers (set
VERIFIED_NN_MAX_LAYERS to raise it)``. docs/reliability.md lists them all.
"""

import dataclasses
import os
from typing import Final

from verified_nn.core import InvalidArgumentError


@dataclasses.dataclass(frozen=True)
class Ceiling:
    """A documented upper bound: its default, the variable that changes it, and the unit it counts."""

    variable: str  # the environment variable that sets it, e.g. VERIFIED_NN_MAX_LAYERS
    default: int  # its value when the variable is unset
    unit: str  # what it counts, plural: "layers", "bytes", ...

    def value(self) -> int:
        """$VARIABLE (a positive whole number) if set, else the default; InvalidArgumentError naming it if malformed."""
        text = os.environ.get(self.variable, "").strip()
        if not text:
            return self.default
        if not (text.isascii() and text.isdigit()) or int(text) < 1:
            raise InvalidArgumentError(f"{self.variable} must be a positive whole number of {self.unit}, got {text!r}")
        return int(text)

    def over(self, count: int, what: str) -> str | None:
        """None if ``count`` is within the ceiling, else the refusal ``"<what> N <unit>, over the limit of L <unit>
        (set VARIABLE to raise it)"``, e.g. ``over(10**6, "the architecture has")``."""
        limit = self.value()
        if count <= limit:
            return None
        unit, variable = self.unit, self.variable
        shown = f"{count:,}" if count < 10**15 else f"{count:.3g}"  # not a number of 300 digits
        return f"{what} {shown} {unit}, over the limit of {limit:,} {unit} (set {variable} to raise it)"


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system says, else the machine's)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


# Input files.
MODEL_BYTES: Final = Ceiling("VERIFIED_NN_MAX_MODEL_BYTES", 1 << 30, "bytes")  # a model or state-dict file
METADATA_BYTES: Final = Ceiling("VERIFIED_NN_MAX_METADATA_BYTES", 16 << 20, "bytes")  # a safetensors header
JSON_DEPTH: Final = Ceiling("VERIFIED_NN_MAX_JSON_DEPTH", 64, "levels")  # nesting of any JSON read
ARGUMENT_BYTES: Final = Ceiling("VERIFIED_NN_MAX_ARGUMENT_BYTES", 1 << 20, "bytes")  # an @FILE argument
INPUT_BYTES: Final = Ceiling("VERIFIED_NN_MAX_INPUT_BYTES", 256 << 20, "bytes")  # an image or .npy file
IMAGE_PIXELS: Final = Ceiling("VERIFIED_NN_MAX_IMAGE_PIXELS", 1 << 24, "pixels")  # 4096 x 4096, from the header
IMAGES: Final = Ceiling("VERIFIED_NN_MAX_IMAGES", 10_000, "images")  # classified by one predict run
# Networks.
LAYERS: Final = Ceiling("VERIFIED_NN_MAX_LAYERS", 1_000, "layers")
PARAMETERS: Final = Ceiling("VERIFIED_NN_MAX_PARAMETERS", 1 << 24, "parameters")  # 64 MiB in float32
ACTIVATIONS: Final = Ceiling("VERIFIED_NN_MAX_ACTIVATIONS", 1 << 21, "values")  # per sample, over all layers
BATCH_VALUES: Final = Ceiling("VERIFIED_NN_MAX_BATCH_VALUES", 1 << 26, "values")  # batch size x the above
# Work.
EPOCHS: Final = Ceiling("VERIFIED_NN_MAX_EPOCHS", 10_000, "epochs")
SECONDS: Final = Ceiling("VERIFIED_NN_MAX_SECONDS", 86_400, "seconds")  # a time limit per image
WORKERS_VARIABLE: Final = "VERIFIED_NN_MAX_WORKERS"


def workers() -> Ceiling:
    """The ceiling on threads and processes: the usable cores, unless $VERIFIED_NN_MAX_WORKERS says more (or less)."""
    return Ceiling(WORKERS_VARIABLE, usable_cores(), "workers")


def check_workers(count: int, *, option: str) -> int:
    """``count`` if it is a whole number from 1 to :func:`workers`' ceiling, else InvalidArgumentError naming
    ``option``: more BLAS threads or processes than cores only fight over them (docs/architecture.md)."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise InvalidArgumentError(f"{option} must be >= 1, got {count!r}")
    ceiling = workers()
    limit = ceiling.value()
    if count > limit:
        forced = limit != ceiling.default
        source = f"{WORKERS_VARIABLE}={limit}" if forced else f"the {limit} cores this process may use"
        raise InvalidArgumentError(f"{option} {count:,} is more than {source} (set {WORKERS_VARIABLE} to allow more)")
    return count
