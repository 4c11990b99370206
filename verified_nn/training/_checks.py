"""One verdict on a model, whoever reads or writes it: what its tensors, dtype, optimizer state and history
must satisfy.

``load_model`` applies it to every file it reads, ``save_model`` to every network it writes (checkpoints,
``import-torch``, ``export --torch``), ``import-torch`` and ``export --onnx`` to what they convert: so a
file one command writes is a file every command reads. A value no training produces (beyond
$VERIFIED_NN_MAX_MAGNITUDE, default 1,000,000, in magnitude; 10**12 for Adam's second moment, a mean
of squares) is refused as a corrupt file, not left to make the next run diverge and blame its rate.
"""

import math
from collections.abc import Mapping
from typing import Any, Final

import numpy as np

from verified_nn.files import Ceiling
from verified_nn.network import Network
from verified_nn.optimizer import state_trees

from ._errors import ModelError

MAGNITUDE: Final = Ceiling("VERIFIED_NN_MAX_MAGNITUDE", 1_000_000, "in magnitude")
FLOAT_DTYPES: Final = (np.dtype(np.float32), np.dtype(np.float64))
MAX_STEP: Final = 1 << 53  # an optimizer's step count past this is not a count any run reached
# The figures of an epoch record, by kind: fractions of images, losses, durations (EpochRecord's fields).
FRACTIONS: Final = ("train_accuracy", "validation_accuracy", "test_accuracy", "validation_verified", "test_verified")
LOSSES: Final = ("mean_loss", "validation_loss", "test_loss")
DURATIONS: Final = ("train_seconds", "eval_seconds")
# The fields every record has, and those an older or a plain run may leave out (EpochRecord's, with defaults).
REQUIRED: Final = frozenset(
    {
        "epoch",
        "learning_rate",
        "mean_loss",
        "train_accuracy",
        "validation_accuracy",
        "validation_loss",
        "test_accuracy",
        "test_loss",
        "train_seconds",
        "eval_seconds",
    }
)
OPTIONAL: Final = frozenset({"validation_verified", "test_verified", "threads", "thread_reason"})
REASON_CHARS: Final = 500  # a thread choice's reason is one phrase


def _at(source: object) -> str:
    return "" if source is None else f"{source}: "


def check_tensor(
    name: str,
    block: np.ndarray[Any, Any],
    source: object,
    *,
    squared: bool = False,
    read: bool = True,
    ceiling: bool = True,
) -> None:
    """``block`` is float32 or float64, finite, and (with ``ceiling``) within the magnitude ceiling (its square
    for ``squared``).

    ``source`` (a path, or None) starts the message; ``read`` says whether the values come from a file
    (then they are corrupt) or from a computation about to be written (then it diverged).
    """
    if block.dtype not in FLOAT_DTYPES:
        raise ModelError(f"{_at(source)}{name} has dtype {block.dtype}, expected float32 or float64")
    if block.size == 0:
        return
    if not np.isfinite(block).all():
        nan, inf = int(np.isnan(block).sum()), int(np.isinf(block).sum())
        raise ModelError(f"{_at(source)}{name} holds {nan} NaN and {inf} infinite values: the model is unusable")
    if not ceiling:
        return
    limit = float(MAGNITUDE.value()) ** (2 if squared else 1)
    largest = float(np.abs(block).max())
    if largest > limit:
        why = "no training produces it: the file is corrupt" if read else "the values diverged: nothing was written"
        raise ModelError(
            f"{_at(source)}{name} holds a value of {largest:.3g} in magnitude, over the limit of {limit:,.0f} "
            f"(set {MAGNITUDE.variable} to raise it): {why}"
        )


def check_network(network: Network[Any, Any], source: object, *, read: bool = True, ceiling: bool = True) -> None:
    """Every parameter of ``network`` passes :func:`check_tensor` (the magnitude ceiling only with ``ceiling``:
    model files keep to it, a network read from another tool's file need not)."""
    for name, block in zip(network.parameter_names(), network.parameters(), strict=True):
        check_tensor(name, block, source, read=read, ceiling=ceiling)


def check_declared_dtype(metadata: Mapping[str, str], network: Network[Any, Any], source: object) -> None:
    """The ``dtype`` a file declares, if any, is that of its tensors."""
    declared = metadata.get("dtype")
    if declared is not None and declared != str(network.dtype):
        raise ModelError(f"{source}: the metadata declares dtype {declared!r}, the tensors are {network.dtype}")


def check_state(state: Any, source: object, *, read: bool = True) -> None:
    """An optimizer state's trees pass :func:`check_tensor` (Adam's second moment, a mean of squares, must
    also be >= 0 and within the square of the ceiling), and its step count is a plausible count."""
    for field, tree in state_trees(state).items():
        for name, block in zip(tree.parameter_names(), tree.parameters(), strict=True):
            where = f"optimizer.{field}.{name}"
            check_tensor(where, block, source, squared=field == "second", read=read)
            if field == "second" and block.size and float(block.min()) < 0:
                raise ModelError(
                    f"{_at(source)}{where} holds negative values ({float(block.min()):.3g}): Adam's second moment "
                    "is a mean of squares; the file is corrupt"
                )
    step = getattr(state, "step", None)
    if step is not None and not (isinstance(step, int) and 0 <= step <= MAX_STEP):
        raise ModelError(f"{_at(source)}optimizer_state step {step!r} is not a count of updates any run reached")


def check_records(records: object, source: object, *, epoch: str | None) -> list[dict[str, Any]]:
    """A checkpoint's history as plain records, each checked on its own and against the others: epochs 1 to
    n in order (n the ``epoch`` the file declares), fractions in [0, 1], losses >= 0, durations >= 0, a
    positive learning rate, every figure finite; verified fractions in every record or in none."""
    if not isinstance(records, list) or not all(isinstance(record, dict) for record in records):
        raise ModelError(f"{source}: the checkpoint's history is not a list of epoch records")
    for index, record in enumerate(records, start=1):
        missing, unknown = sorted(REQUIRED - set(record)), sorted(set(record) - REQUIRED - OPTIONAL)
        if missing or unknown:
            which = f"missing {', '.join(missing)}" if missing else f"unknown {', '.join(map(str, unknown[:3]))}"
            raise ModelError(f"{source}: the checkpoint's history is inconsistent at record {index}: {which}")
        if record.get("epoch") != index or isinstance(record.get("epoch"), bool):
            raise ModelError(f"{source}: the checkpoint's history is inconsistent at record {index}: its epoch")
        for key, value in record.items():
            if key == "epoch" or value is None:
                continue
            if key == "thread_reason":
                if not isinstance(value, str) or len(value) > REASON_CHARS:
                    raise ModelError(f"{source}: the checkpoint's history is inconsistent at record {index}: {key}")
                continue
            bad = not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value)
            bad = bad or (key in FRACTIONS and not 0 <= value <= 1)
            bad = bad or (key in LOSSES + DURATIONS and value < 0)
            bad = bad or (key == "learning_rate" and value <= 0)
            bad = bad or (key == "threads" and (not isinstance(value, int) or value < 1))
            if bad:
                raise ModelError(
                    f"{source}: the checkpoint's history is inconsistent at record {index}: {key} {value!r}"
                )
    certified = {record.get("validation_verified") is None for record in records}
    if len(certified) > 1:
        raise ModelError(f"{source}: the checkpoint's history mixes certified and plain epochs")
    if epoch is not None and epoch != str(len(records)):
        raise ModelError(f"{source}: the checkpoint says epoch {epoch} but records {len(records)}")
    return records
