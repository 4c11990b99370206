"""A VNN-COMP benchmark folder: ``instances.csv`` (model, property, time limit per line) run instance by instance.

Each instance is decided within its own time limit, counted from the moment its worker takes it up
(reading the model the first time, then the property, then the search). Models are read once per worker
process. Results are written in VNN-COMP's result format, one line per instance:
``category,model,property,prepare seconds,result,run seconds`` (the category is the folder's name).
"""

import collections
import csv
import dataclasses
import io
import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final

from verified_nn.certify import map_in_processes, map_on_cluster
from verified_nn.data import DataError, read_file
from verified_nn.files import SECONDS, write_output
from verified_nn.network import Network
from verified_nn.spec import SpecError, read_vnnlib

from ._errors import SearchError
from ._models import load_network
from ._verdict import SAT, TIMEOUT, UNKNOWN
from ._verify import SearchConfig, verify

MAX_INSTANCES_BYTES: Final = 16 << 20


@dataclasses.dataclass(frozen=True)
class Instance:
    """One line of ``instances.csv``: paths as written there (relative to its folder) and the time limit."""

    folder: Path  # the folder holding instances.csv
    model: str
    vnnlib: str
    timeout: float

    @property
    def name(self) -> str:
        """``model-stem_property-stem``, as VNN-COMP names counterexample files."""
        return f"{Path(self.model).stem}_{Path(self.vnnlib).stem}"


@dataclasses.dataclass(frozen=True)
class InstanceResult:
    """The answer on one instance and where the time went."""

    instance: Instance
    result: str  # sat, unsat, unknown, timeout
    prepare_seconds: float  # reading the model and the property
    run_seconds: float  # the search
    answer: str  # the full answer text (with the counterexample for sat)
    stage: str = ""
    note: str = ""

    def row(self, category: str) -> list[str]:
        """The line of VNN-COMP's results.csv."""
        i = self.instance
        return [category, i.model, i.vnnlib, f"{self.prepare_seconds:.6f}", self.result, f"{self.run_seconds:.6f}"]


def read_instances(path: str | Path) -> list[Instance]:
    """The instances listed in ``path`` (``model,property,timeout`` per line); SearchError naming a bad line."""
    path = Path(path)
    try:  # a FIFO, device or directory refused at once; a file over the ceiling before it is read
        text = read_file(path, limit=MAX_INSTANCES_BYTES, what="instances list").decode("utf-8")
    except DataError as error:
        raise SearchError(str(error)) from None
    except UnicodeDecodeError:
        raise SearchError(f"{path}: not a text file (expected model,property,seconds lines)") from None
    instances = []
    for number, fields in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not fields or not "".join(fields).strip():
            continue
        try:
            model, spec, limit = (field.strip() for field in fields)
            timeout = float(limit)
        except ValueError:
            raise SearchError(
                f"{path}, line {number}: expected model,property,seconds, got {','.join(fields)}"
            ) from None
        if not 0 < timeout < math.inf:
            raise SearchError(f"{path}, line {number}: the time limit must be a finite number > 0, got {limit}")
        problem = SECONDS.over(math.ceil(timeout), f"{path}, line {number}: the instance may take")
        if problem is not None:
            raise SearchError(problem)
        instances.append(Instance(path.parent, model, spec, timeout))
    if not instances:
        raise SearchError(f"{path}: no instances listed")
    return instances


_NETWORKS: dict[Path, tuple[Network[Any, Any], Any]] = {}  # per worker process: path -> (network, confirm)


def run_instance(instance: Instance, *, config: SearchConfig | None = None) -> InstanceResult:
    """Decide one instance within its time limit (a top-level function, so any executor can run it)."""
    start = time.monotonic()
    model = (instance.folder / instance.model).resolve()
    try:
        if model not in _NETWORKS:
            _NETWORKS[model] = load_network(model)
        network, confirm = _NETWORKS[model]
        spec = read_vnnlib(instance.folder / instance.vnnlib)
    except (SearchError, SpecError, ValueError, OSError) as error:
        seconds = time.monotonic() - start
        return InstanceResult(instance, UNKNOWN, seconds, 0.0, UNKNOWN + "\n", note=str(error))
    prepared = time.monotonic()
    left = instance.timeout - (prepared - start)
    if left <= 0:  # reading took the whole limit: nothing is decided, as the competition counts it
        return InstanceResult(instance, TIMEOUT, prepared - start, 0.0, TIMEOUT + "\n")
    try:
        verdict = verify(network, spec, timeout=left, config=config, confirm=confirm)
    except (SearchError, SpecError) as error:  # the property does not fit the network: this instance alone
        return InstanceResult(
            instance, UNKNOWN, prepared - start, time.monotonic() - prepared, UNKNOWN + "\n", note=str(error)
        )
    return InstanceResult(
        instance,
        verdict.result,
        prepared - start,
        time.monotonic() - prepared,
        verdict.text(),
        stage=verdict.stage,
        note=verdict.note,
    )


def results_csv(results: Sequence[InstanceResult], category: str) -> str:
    """VNN-COMP's results.csv for ``results``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for result in results:
        writer.writerow(result.row(category))
    return buffer.getvalue()


def run_instances(
    instances: Sequence[Instance],
    *,
    jobs: int = 1,
    scheduler: str | None = None,
    config: SearchConfig | None = None,
    on_result: Callable[[InstanceResult], object] | None = None,
) -> list[InstanceResult]:
    """Every instance, in ``jobs`` worker processes (one BLAS thread each) or, with ``scheduler`` (an address),
    on that Dask cluster's workers (which must see the benchmark folder at the same path); results in the
    instances' order."""
    if scheduler is not None:
        if jobs != 1:
            raise SearchError(
                f"jobs ({jobs}) and a scheduler cannot be combined: the cluster's workers set the parallelism"
            )
        purpose = "verify-spec --scheduler (a Dask cluster)"
        return map_on_cluster(
            run_instance, list(instances), scheduler=scheduler, purpose=purpose, config=config, on_result=on_result
        )
    return map_in_processes(
        run_instance, list(instances), jobs=jobs, config=config, on_result=on_result, error=SearchError
    )


def counterexample_names(instances: Sequence[Instance]) -> list[str]:
    """The name of each instance's counterexample file, without ``.counterexample``: ``<model>_<property>``
    from the files' stems, as VNN-COMP names them, unless another instance of the run has that name too
    (files of one name in different folders): then from the paths, ``a/net.onnx`` and ``a/p.vnnlib`` giving
    ``a-net_a-p`` (a root, ``.`` and ``..`` left out: a name never leaves the folder it is written to). A name
    taken already gets ``-2``, ``-3``, ... (a line listed twice). So no answer replaces another's."""
    stems = collections.Counter(instance.name for instance in instances)
    taken: set[str] = set()
    unique = []
    for instance in instances:
        name = instance.name if stems[instance.name] == 1 else _path_name(instance)
        candidate, number = name, 1
        while candidate in taken:
            number += 1
            candidate = f"{name}-{number}"
        taken.add(candidate)
        unique.append(candidate)
    return unique


def _path_name(instance: Instance) -> str:
    def flat(path: str) -> str:
        kept = [part for part in Path(path).parent.parts if part not in (".", "..", Path(path).anchor)]
        return "-".join([*kept, Path(path).stem])

    return f"{flat(instance.model)}_{flat(instance.vnnlib)}"


def counterexample_files(results: Sequence[InstanceResult], folder: Path) -> list[Path]:
    """The answer of every ``sat`` instance written to ``folder/NAME.counterexample``, NAME from
    :func:`counterexample_names` over all ``results`` (``<model>_<property>``, unique in the run)."""
    names = counterexample_names([result.instance for result in results])
    written = []
    for result, name in zip(results, names, strict=True):
        if result.result == SAT:
            written.append(write_output(folder / f"{name}.counterexample", result.answer.encode(), parents=True))
    return written
