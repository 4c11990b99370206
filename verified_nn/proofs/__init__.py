"""Exact symbolic proofs that the shipped kernels compute the gradient of the loss they compute.

This package is the one verification entry point through which the library's layers, loss and
backpropagation accept arrays of exact symbolic numbers (numpy object arrays of sympy expressions): it
runs their own code inside ``verified_nn.layers._layer.symbolic_arrays()``, case by case, and compares
every gradient entry with sympy's derivative. Everywhere else the runtime checks refuse object arrays.
Needs the ``proofs`` extra (sympy); ``verified-nn prove`` runs the table; see docs/verification.md.
"""

from verified_nn.core import require_extra as _require_extra

_require_extra("sympy", extra="proofs", purpose="verified_nn.proofs")

# After the check that sympy is there:
from ._cases import (  # noqa: E402
    BUILT_IN as BUILT_IN,
    Entry as Entry,
    Subject as Subject,
    conv as conv,
    dense as dense,
    entries as entries,
    kink_entry as kink_entry,
    layer_entry as layer_entry,
    loss_entry as loss_entry,
    network_entry as network_entry,
    stack_entry as stack_entry,
)
from ._exact import Exact as Exact, Path as Path, explore as explore, symbols as symbols  # noqa: E402
from ._generic import GenericResult as GenericResult, derive_generic as derive_generic  # noqa: E402
from ._run import (  # noqa: E402
    EntryResult as EntryResult,
    Failure as Failure,
    prove as prove,
    prove_entry as prove_entry,
)
