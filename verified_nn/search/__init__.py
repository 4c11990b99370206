"""Deciding VNNLIB properties of networks: attacks for counterexamples, bounds and branch-and-bound for proofs.

:func:`verify` answers ``sat`` (with a counterexample checked in the network's dtype and, for an ONNX
model, by onnxruntime), ``unsat``, ``unknown`` or ``timeout`` within a time limit; :func:`run_instances`
runs a VNN-COMP benchmark folder's ``instances.csv`` and :func:`results_csv` writes its result format.
"""

from ._attack import AttackConfig as AttackConfig, AttackResult as AttackResult, attack as attack
from ._errors import SearchError as SearchError
from ._instances import (
    Instance as Instance,
    InstanceResult as InstanceResult,
    counterexample_files as counterexample_files,
    counterexample_names as counterexample_names,
    read_instances as read_instances,
    results_csv as results_csv,
    run_instance as run_instance,
    run_instances as run_instances,
)
from ._models import load_network as load_network
from ._problem import Problem as Problem, problems as problems
from ._verdict import (
    RESULTS as RESULTS,
    SAT as SAT,
    TIMEOUT as TIMEOUT,
    UNKNOWN as UNKNOWN,
    UNSAT as UNSAT,
    Verdict as Verdict,
)
from ._verify import SearchConfig as SearchConfig, verify as verify
