"""Classifying images with a trained network: each image's class, its probability and the runners-up."""

import dataclasses
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from verified_nn.core import INPUT_DIM, InvalidArgumentError, ShapeError
from verified_nn.data import DATASETS
from verified_nn.network import Network

from ._image import read_digit
from ._input import as_model_input
from ._npy import SIDE, read_npy


@dataclasses.dataclass(frozen=True)
class Prediction:
    """What a network says about one image."""

    label: int  # the most probable class
    probability: float  # its probability (softmax of the logits)
    top: tuple[tuple[int, float], ...]  # (class, probability) of the most probable classes, best first


def _network_input(network: Network[Any, Any], batch: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """``(n, 784)`` reshaped to the network's per-sample input shape (e.g. ``(n, 1, 28, 28)``)."""
    shape = network.input_shape()
    if shape is None or shape == (INPUT_DIM,):
        return batch
    if math.prod(shape) != INPUT_DIM:
        raise ShapeError(f"the network takes inputs of shape {shape}, not 28 x 28 images")
    return batch.reshape(len(batch), *shape)


def classify(network: Network[Any, Any], images: Any, *, top: int = 3) -> tuple[Prediction, ...]:
    """One :class:`Prediction` per image of ``images`` (anything :func:`as_model_input` accepts).

    ``top`` is how many classes each prediction lists (at most the network's number of classes).
    """
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise InvalidArgumentError(f"top must be an integer >= 1, got {top!r}")
    batch = as_model_input(images, dtype=network.dtype)
    probabilities = network.probabilities(_network_input(network, batch))  # (n, classes)
    count = min(top, probabilities.shape[1])
    order = np.argsort(-probabilities, axis=1, kind="stable")[:, :count]  # ties: the lower class first
    return tuple(
        Prediction(
            label=int(ranked[0]),
            probability=float(row[ranked[0]]),
            top=tuple((int(label), float(row[label])) for label in ranked),
        )
        for row, ranked in zip(probabilities, order, strict=True)
    )


def class_names(metadata: Mapping[str, str], classes: int) -> tuple[str, ...]:
    """The names of the classes of the dataset a model file records (``dataset``), else ``"0"``, ``"1"``, ..."""
    spec = DATASETS.get(metadata.get("dataset", ""))
    if spec is not None and len(spec.class_names) == classes:
        return tuple(spec.class_names)
    return tuple(str(label) for label in range(classes))


def read_inputs(path: str | Path) -> list[tuple[str, np.ndarray[Any, Any]]]:
    """``(name, image)`` pairs from a file: a ``.npy`` array (one image or a batch) or an image file.

    A ``.npy`` file holds one image, ``(784,)`` or ``(28, 28)``, named by the file, or a batch,
    ``(n, 784)`` or ``(n, 28, 28)``, whose images are named ``file[i]``; its values are used as they are
    (uint8 0-255 or floats in [0, 1]). Any other file is read as an image and prepared like MNIST's
    digits (:func:`read_digit`; needs Pillow).
    """
    path = Path(path)
    name = str(path)
    if path.suffix.lower() != ".npy":
        return [(name, read_digit(path))]
    array = read_npy(path)  # within the ceilings; the shape is one image or a batch
    if array.shape in ((INPUT_DIM,), (SIDE, SIDE)):
        return [(name, array)]
    return [(f"{name}[{index}]", image) for index, image in enumerate(array)]
