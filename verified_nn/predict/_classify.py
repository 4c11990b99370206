"""Classifying images with a trained network: each image's class, its probability and the runners-up."""

import dataclasses
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from verified_nn.core import INPUT_DIM, InvalidArgumentError
from verified_nn.network import Network
from verified_nn.training import data_record, network_input

from ._image import read_digit
from ._input import as_model_input, example_shapes
from ._npy import read_npy


@dataclasses.dataclass(frozen=True)
class Prediction:
    """What a network says about one image."""

    label: int  # the most probable class
    probability: float  # its probability (softmax of the logits)
    top: tuple[tuple[int, float], ...]  # (class, probability) of the most probable classes, best first


def classify(
    network: Network[Any, Any],
    images: Any,
    *,
    top: int = 3,
    also: Sequence[Sequence[int]] = (),
    pixels: bool = True,
) -> tuple[Prediction, ...]:
    """One :class:`Prediction` per example of ``images`` (anything :func:`as_model_input` accepts for the
    network's input shape; ``also`` and ``pixels`` as there).

    ``top`` is how many classes each prediction lists (at most the network's number of classes).
    """
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise InvalidArgumentError(f"top must be an integer >= 1, got {top!r}")
    shape = network.input_shape() or (INPUT_DIM,)
    batch = as_model_input(images, dtype=network.dtype, shape=shape, also=also, pixels=pixels)
    probabilities = network.probabilities(network_input(network, batch))  # (n, classes)
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
    """The names of the classes a model file records (``classes``, or those of its built-in ``dataset``),
    else ``"0"``, ``"1"``, ..."""
    recorded = data_record(metadata, classes).classes
    return recorded if recorded is not None else tuple(str(label) for label in range(classes))


TABLES = (".csv", ".tsv", ".txt", ".npz")  # data files that predict does not read (evaluate --data does)


def read_inputs(
    path: str | Path, *, shape: Sequence[int] = (INPUT_DIM,), also: Sequence[Sequence[int]] = ()
) -> list[tuple[str, np.ndarray[Any, Any]]]:
    """``(name, example)`` pairs from a file: a ``.npy`` array (one example or a batch) or an image file.

    A ``.npy`` file holds one example of ``shape`` (flat, or of a shape in ``also``, or square), named by the
    file, or a batch of them, named ``file[i]``; its values are used as they are (uint8 0-255 or floats).
    Any other file is read as an image and prepared like MNIST's digits (:func:`read_digit`; needs Pillow),
    for networks that take 28 x 28 images.
    """
    path = Path(path)
    name = str(path)
    forms = example_shapes(shape, also)
    if path.is_dir():
        raise InvalidArgumentError(
            f"{path}: is a directory; predict reads .npy arrays and image files (a folder of labelled images is "
            "scored with evaluate --data FOLDER)"
        )
    if path.suffix.lower() in TABLES:
        raise InvalidArgumentError(
            f"{path}: predict reads .npy arrays and image files, not {path.suffix.lower()} tables: save the inputs "
            "with numpy.save, or score labelled data with evaluate --data"
        )
    if path.suffix.lower() != ".npy":
        if math.prod(shape) != INPUT_DIM:
            raise InvalidArgumentError(
                f"{path}: image files are prepared as 28 x 28 digits; this network takes {tuple(shape)}: "
                "give .npy arrays of that shape"
            )
        return [(name, read_digit(path))]
    array = read_npy(path, forms)  # within the ceilings; one example or a batch of them
    if array.shape in forms:
        return [(name, array)]
    return [(f"{name}[{index}]", example) for index, example in enumerate(array)]
