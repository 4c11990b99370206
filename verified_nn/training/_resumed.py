"""A resumed checkpoint's history must describe its parameters: the last record is measured again.

A checkpoint holds the parameters after its last recorded epoch, and that record's figures (test,
validation and training accuracy and loss; the verified fractions of a certified run) are functions of
those parameters and the data. Before a resumed run trains, they are recomputed on the same examples;
a record that the parameters do not reproduce (one image of slack for accuracies and 0.1% for losses,
since another BLAS may round differently) is refused: a forged history would otherwise be reported as
the run's result. A figure whose examples the resumed configuration changes (another ``test_size``, say)
is not compared. The records before the last cannot be measured again (their parameters are gone);
:func:`~verified_nn.training._checks.check_records` checks their form.
"""

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from verified_nn.data import Dataset
from verified_nn.network import Network

from ._config import TrainConfig
from ._errors import ModelError
from ._evaluate import score
from ._history import EpochRecord
from ._objectives import Objective

# The configuration fields that decide which examples each figure is measured on (the seed draws the
# validation split, and the test split of data given without a test set).
_DATA_FIELDS = ("dataset", "dtype", "seed", "validation_size", "train_size")


def _same(config: TrainConfig, recorded: TrainConfig, *fields: str) -> bool:
    return all(getattr(config, field) == getattr(recorded, field) for field in (*_DATA_FIELDS, *fields))


def _fraction(name: str, recorded: float | None, measured: float, count: int) -> str | None:
    if recorded is None or abs(recorded - measured) <= 1 / max(count, 1) + 1e-9:
        return None
    return f"{name} {recorded:.2%}, the parameters give {measured:.2%}"


def _loss(name: str, recorded: float | None, measured: float) -> str | None:
    if recorded is None or math.isclose(recorded, measured, rel_tol=1e-3, abs_tol=1e-6):
        return None
    return f"{name} {recorded:.4f}, the parameters give {measured:.4f}"


def check_resumed(
    record: EpochRecord,
    network: Network[Any, Any],
    config: TrainConfig,
    recorded: TrainConfig,
    *,
    objective: Objective,
    train: Dataset,
    validation: Dataset | None,
    test: Dataset,
) -> None:
    """ModelError if ``record`` (the checkpoint's last epoch) is not what ``network`` measures on the data.

    ``config`` is the resumed run's configuration, ``recorded`` the checkpoint's; ``train``, ``validation``
    and ``test`` are the resumed run's examples, ``objective`` measures the verified fractions.
    """
    problems: list[str | None] = []
    if _same(config, recorded, "test_size"):
        scored = score(network, test)
        problems += [
            _fraction("test accuracy", record.test_accuracy, scored.accuracy, len(test)),
            _loss("test loss", record.test_loss, scored.loss),
        ]
    if validation is not None and _same(config, recorded):
        held = score(network, validation)
        problems += [
            _fraction("validation accuracy", record.validation_accuracy, held.accuracy, len(validation)),
            _loss("validation loss", record.validation_loss, held.loss),
        ]
    if _same(config, recorded, "train_eval_size"):
        count = min(config.train_eval_size, len(train))
        trained = score(network, train, limit=count)
        problems.append(_fraction("train accuracy", record.train_accuracy, trained.accuracy, count))
    eps = config.certified_eps
    if eps is not None and eps == recorded.certified_eps and _same(config, recorded, "test_size"):
        for name, examples in (("validation_verified", validation), ("test_verified", test)):
            if examples is not None:
                share = objective.verified(network, examples)
                if share is not None:
                    problems.append(
                        _fraction(name.replace("_", " "), getattr(record, name), share, len(examples))
                    )
    problems = [problem for problem in problems if problem is not None]
    if problems:
        raise ModelError(
            f"the checkpoint's history does not describe its parameters: epoch {record.epoch} records "
            f"{problems[0]} (the history was altered, or the parameters come from another run): start a new run"
        )


def recorded_config(metadata: Mapping[str, str], config: TrainConfig) -> TrainConfig:
    """The configuration a checkpoint records, or ``config`` when it records none usable (nothing to compare)."""
    try:
        return TrainConfig.from_json(metadata["config"])
    except (KeyError, TypeError, ValueError):
        return dataclasses.replace(config)
