"""Accuracy, per-class accuracy and the confusion matrix of a network on a dataset."""

import dataclasses
from typing import Any, Final

import numpy as np

from verified_nn.core import NUM_CLASSES, as_image_batch, as_labels
from verified_nn.network import MLP, loss

EVAL_BATCH: Final = 2_000  # images per forward pass when evaluating


@dataclasses.dataclass(frozen=True)
class Evaluation:
    """How a network does on a set of labelled images."""

    accuracy: float  # fraction of images classified correctly
    loss: float  # mean cross-entropy
    confusion: np.ndarray[Any, Any]  # (10, 10): confusion[true, predicted] = count

    @property
    def per_class_accuracy(self) -> np.ndarray[Any, Any]:
        """(10,): the fraction of each true class classified correctly (NaN for an absent class)."""
        totals = self.confusion.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            result: np.ndarray[Any, Any] = np.diag(self.confusion) / totals
        return result


def evaluate(mlp: MLP, images: np.ndarray[Any, Any], labels: np.ndarray[Any, Any]) -> Evaluation:
    """Evaluate ``mlp`` on ``images`` (n, 784) and ``labels`` (n,) in batches of 2,000."""
    confusion = np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=np.int64)
    total_loss = 0.0
    for start in range(0, len(labels), EVAL_BATCH):
        batch = as_image_batch(images[start : start + EVAL_BATCH])
        truth = as_labels(labels[start : start + EVAL_BATCH])
        predicted = mlp.predict(batch)
        np.add.at(confusion, (truth, predicted), 1)
        total_loss += loss(mlp, batch, truth) * len(truth)
    count = max(len(labels), 1)
    return Evaluation(accuracy=float(np.trace(confusion)) / count, loss=total_loss / count, confusion=confusion)
