"""Accuracy, per-class accuracy and the confusion matrix of a network on labelled examples or a dataset."""

import dataclasses
import math
from typing import Any, Final

import numpy as np

from verified_nn.core import InvalidArgumentError, ShapeError, cross_entropy_and_gradient
from verified_nn.data import Dataset, as_floats
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


def network_input(network: Network[Any, Any], inputs: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """``inputs`` ``(n, *shape)`` as the network takes them: reshaped (a view) when the network's input shape
    holds the same number of values in another shape (``(n, 8, 8)`` rows for a network taking ``(64,)``)."""
    shape = network.input_shape()
    if shape is None or inputs.shape[1:] == shape:
        return inputs
    if math.prod(inputs.shape[1:]) != math.prod(shape):
        raise ShapeError(
            f"the network takes inputs of shape {shape} ({math.prod(shape)} values), "
            f"the data has {inputs.shape[1:]} ({math.prod(inputs.shape[1:])} values)"
        )
    return inputs.reshape(len(inputs), *shape)


class _Tally:
    """The confusion matrix and summed loss, accumulated batch by batch."""

    def __init__(self, network: Network[Any, Any]) -> None:
        self.network = network
        self.confusion = np.zeros((network.classes, network.classes), dtype=np.int64)
        self.total_loss = 0.0

    def add(self, inputs: np.ndarray[Any, Any], truth: np.ndarray[Any, Any]) -> None:
        batch = network_input(self.network, inputs)
        self.network.check_input("evaluate", batch)
        logits = self.network.logits(batch)
        np.add.at(self.confusion, (truth, logits.argmax(axis=1)), 1)
        self.total_loss += cross_entropy_and_gradient(logits, truth)[0] * len(truth)

    def result(self) -> Evaluation:
        count = max(int(self.confusion.sum()), 1)
        return Evaluation(
            accuracy=float(np.trace(self.confusion)) / count, loss=self.total_loss / count, confusion=self.confusion
        )


def _check_labels(labels: np.ndarray[Any, Any], classes: int) -> None:
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise InvalidArgumentError(f"evaluate: labels must lie in [0, {classes}), the network's classes")


def evaluate(network: Network[Any, Any], images: np.ndarray[Any, Any], labels: np.ndarray[Any, Any]) -> Evaluation:
    """Evaluate ``network`` on ``images`` ``(n, *input shape)`` and integer ``labels`` ``(n,)`` in batches of 2,000
    (fewer for a network whose samples make many values: one pass stays within $VERIFIED_NN_MAX_BATCH_VALUES).

    uint8 inputs are pixels and are scaled by 1/255, as everywhere in the library; inputs of another shape
    holding as many values as the network's input are reshaped (:func:`network_input`).
    """
    images = np.asarray(images)
    labels = np.asarray(labels)
    if labels.ndim != 1 or images.shape[:1] != labels.shape or not np.issubdtype(labels.dtype, np.integer):
        raise ShapeError(f"evaluate: expected n images and n integer labels, got {images.shape} and {labels.shape}")
    _check_labels(labels, network.classes)
    tally = _Tally(network)
    step = samples_per_pass(network, EVAL_BATCH)
    for start in range(0, len(labels), step):
        rows = slice(start, start + step)
        tally.add(as_floats(images[rows], network.dtype), labels[rows])
    return tally.result()


def score(network: Network[Any, Any], data: Dataset, *, limit: int | None = None) -> Evaluation:
    """:func:`evaluate` on a dataset (its first ``limit`` examples), reading 2,000 examples at a time (fewer, as
    :func:`evaluate` does, for a network whose samples make many values)."""
    _check_labels(data.labels, network.classes)
    tally = _Tally(network)
    end = min(len(data), limit if limit is not None else len(data))
    step = samples_per_pass(network, EVAL_BATCH)
    for start in range(0, end, step):
        rows = slice(start, min(start + step, end))
        tally.add(data.take(rows, dtype=network.dtype), data.labels[rows])
    return tally.result()
