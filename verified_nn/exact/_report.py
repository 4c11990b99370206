"""What the float check found, image by image, and its summary counts."""

import dataclasses
import enum
from typing import Any, Final

import numpy as np

from verified_nn.core import checked_dataclass

from ._arrays import Bounds, Classes, PerImage
from ._audit import Audit


class Outcome(enum.IntEnum):
    """How one image was decided."""

    BOUND = 0  # the error bound proves the real class is the float class
    EXACT = 1  # the exact pass shows the real class is the float class
    DISAGREE = 2  # the exact pass shows a different real class: float rounding changed the prediction
    TIE = 3  # the exact pass finds the real maximum shared by several classes (no single real class)
    UNDECIDED = 4  # neither the bound nor the exact pass decided (tanh without python-flint, or balls too wide)


FAILURES: Final = (Outcome.DISAGREE, Outcome.TIE, Outcome.UNDECIDED)


@checked_dataclass
@dataclasses.dataclass(frozen=True)
class FloatCheckReport:
    """The float check of one network on a batch of images."""

    network: str  # for example "float32 784-128-10 relu"
    float_classes: Classes  # argmax of the float logits
    real_classes: Classes  # the class of exact arithmetic, -1 for a tie or when undecided
    outcomes: Classes  # Outcome values, one per image
    bounds: Bounds  # bounds on |float logit - real logit|
    margins: PerImage  # float top logit minus the runner-up (0 for a float tie)
    seconds: float  # wall time of the check (the audit not included)
    audit: Audit | None = None  # the exact recomputation of a sample, when one was asked for
    audit_seconds: float = 0.0  # wall time of the audit

    def count(self, outcome: Outcome) -> int:
        """How many images had ``outcome``."""
        return int(np.count_nonzero(self.outcomes == outcome))

    @property
    def images(self) -> int:
        """How many images were checked."""
        return len(self.outcomes)

    @property
    def settled_exactly(self) -> int:
        """Images the exact pass settled (agreeing, disagreeing or tied)."""
        return self.count(Outcome.EXACT) + self.count(Outcome.DISAGREE) + self.count(Outcome.TIE)

    @property
    def passed(self) -> bool:
        """True when every image's float class is proven to be its unique real class, and the audit is clean."""
        audit_clean = self.audit is None or (self.audit.violations == 0 and self.audit.class_mismatches == 0)
        return audit_clean and not np.isin(self.outcomes, [int(o) for o in FAILURES]).any()

    def failures(self) -> np.ndarray[Any, Any]:
        """Indices of the images that disagree, tie or stay undecided."""
        result: np.ndarray[Any, Any] = np.nonzero(np.isin(self.outcomes, [int(o) for o in FAILURES]))[0]
        return result
