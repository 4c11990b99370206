"""The answer to a property: ``sat`` with a counterexample, ``unsat``, ``unknown`` or ``timeout``, and its text.

VNN-COMP's answer format: the first line is the result; for ``sat`` the counterexample follows as
``((X_0 value) ... (Y_0 value) ...)``, each value printed so that it reads back as the same float.
"""

import dataclasses
from typing import Any, Final, TypeAlias

import numpy as np

Array: TypeAlias = np.ndarray[Any, Any]

SAT: Final = "sat"  # a counterexample was found and checked
UNSAT: Final = "unsat"  # no input of the property's boxes violates it (floats included)
UNKNOWN: Final = "unknown"  # the methods gave up before the time limit
TIMEOUT: Final = "timeout"  # the time limit was reached
RESULTS: Final = (SAT, UNSAT, UNKNOWN, TIMEOUT)


@dataclasses.dataclass(frozen=True)
class Verdict:
    """What the search concluded, how, and in how many seconds."""

    result: str  # one of RESULTS
    seconds: float
    stage: str = ""  # what decided it: "attack", "bounds", "bab", "milp" ("" when undecided)
    example: Array | None = None  # the counterexample's input (flat, the network's dtype), for sat
    outputs: Array | None = None  # the outputs there, as checked
    domains: int = 0  # sub-domains bounded by branch-and-bound
    note: str = ""  # for people: why a result is unknown, or that a sat needed no search

    def text(self) -> str:
        """The answer in VNN-COMP's format: the result, then for ``sat`` the assignment."""
        if self.result != SAT or self.example is None or self.outputs is None:
            return self.result + "\n"
        pairs = [f"(X_{i} {float(v)!r})" for i, v in enumerate(np.asarray(self.example).reshape(-1))]
        pairs += [f"(Y_{j} {float(v)!r})" for j, v in enumerate(np.asarray(self.outputs).reshape(-1))]
        return "sat\n(" + "\n ".join(pairs) + ")\n"
