"""Accuracy, per-class accuracy and the confusion matrix of a network on a dataset."""

import dataclasses
from typing import Any, Final

import numpy as np

from verified_nn.core import ClassDim, Features, InvalidArgumentError, ShapeError, cross_entropy_and_gradient
from verified_nn.network import Network

from ._size import samples_per_pass

EVAL_BATCH: Final = 2_000  # images per forward pass when evaluating


@dataclasses.dataclass(frozen=True)
class Evaluation:
    """How a network does on a set of labelled images."""

    accuracy: float  # fraction of images classified correctly
    loss: float  # mean cross-entropy
    confusion: np.ndarray[Any, Any]  # (classes, classes): confusion[true, predicted] = count

    @property
    def per_class_accuracy(self) -> np.ndarray[Any, Any]:
        """(classes,): the fraction of each true class classified correctly (NaN for an absent class)."""
        totals = self.confusion.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            result: np.ndarray[Any, Any] = np.diag(self.confusion) / totals
        return result


def evaluate(
    network: Network[Features[ClassDim], Any], images: np.ndarray[Any, Any], labels: np.ndarray[Any, Any]
) -> Evaluation:
    """Evaluate ``network`` on ``images`` (n, *input shape) and integer ``labels`` (n,) in batches of 2,000
    (fewer for a network whose samples make many values: one pass stays within $VERIFIED_NN_MAX_BATCH_VALUES)."""
    classes = network.classes
    images = np.asarray(images)
    labels = np.asarray(labels)
    if labels.ndim != 1 or images.shape[:1] != labels.shape or not np.issubdtype(labels.dtype, np.integer):
        raise ShapeError(f"evaluate: expected n images and n integer labels, got {images.shape} and {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise InvalidArgumentError(f"evaluate: labels must lie in [0, {classes}), the network's classes")
    confusion = np.zeros((classes, classes), dtype=np.int64)
    total_loss = 0.0
    step = samples_per_pass(network, EVAL_BATCH)
    for start in range(0, len(labels), step):
        batch = images[start : start + step].astype(network.dtype, copy=False)
        truth = labels[start : start + step]
        network.check_input("evaluate", batch)
        logits = network.logits(batch)
        np.add.at(confusion, (truth, logits.argmax(axis=1)), 1)
        total_loss += cross_entropy_and_gradient(logits, truth)[0] * len(truth)
    count = max(len(labels), 1)
    return Evaluation(accuracy=float(np.trace(confusion)) / count, loss=total_loss / count, confusion=confusion)
