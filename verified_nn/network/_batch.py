"""A labelled batch: images and labels whose batch size is pinned by the images, statically and at run time.

``Batch.of(images).labelled(labels)``: the first call fixes the batch size ``B`` from the images' static
shape, so mypy rejects labels of another statically known size in the second (a single call taking
both cannot: numpy's shape parameter is covariant and mypy would widen ``B`` to ``int``). At run time
the sizes are compared too.
"""

import dataclasses
from typing import Any, Generic, TypeVar, TypeVarTuple

import numpy as np
from jaxtyping import Integer

from verified_nn.core import FloatDType, IntDType, InvalidArgumentError, ShapeError, describe
from verified_nn.layers._layer import FLOAT_DTYPES, Array

S_co = TypeVar("S_co", bound=tuple[Any, ...], covariant=True)
B = TypeVar("B", bound=int)
Rest = TypeVarTuple("Rest")


@dataclasses.dataclass(frozen=True)
class Batch(Generic[S_co]):
    """Images ``(batch, *features)`` (float32/float64) and integer labels ``(batch,)``, non-empty, labels >= 0."""

    images: np.ndarray[S_co, FloatDType]
    labels: Integer[np.ndarray, " batch"]

    def __post_init__(self) -> None:
        images, labels = self.images, self.labels
        if not isinstance(images, np.ndarray) or images.dtype not in FLOAT_DTYPES or images.ndim < 2:
            raise ShapeError(f"Batch: argument 'images' expected float[batch, ...], got {describe(images)}")
        if not isinstance(labels, np.ndarray) or not np.issubdtype(labels.dtype, np.integer) or labels.ndim != 1:
            raise ShapeError(f"Batch: argument 'labels' expected int[batch], got {describe(labels)}")
        if labels.shape[0] != images.shape[0]:
            raise ShapeError(
                f"Batch: argument 'labels' expected int[{images.shape[0]}] "
                f"(batch={images.shape[0]} from images: {describe(images)}), got {describe(labels)}"
            )
        if labels.shape[0] == 0:
            raise InvalidArgumentError("Batch: a batch needs at least one image")
        if labels.min() < 0:
            raise InvalidArgumentError(f"Batch: labels must be >= 0, got {labels.min()}")

    @classmethod
    def trusted(cls, images: Array, labels: Array) -> "Batch[Any]":
        """A batch from arrays our own code sliced from a checked dataset: no checks (hot path)."""
        batch: Batch[Any] = object.__new__(cls)
        object.__setattr__(batch, "images", images)
        object.__setattr__(batch, "labels", labels)
        return batch

    @staticmethod
    def of(images: np.ndarray[tuple[B, *Rest], FloatDType]) -> "Unlabelled[B, *Rest]":  # type: ignore[type-var]
        """The images of a batch, waiting for their labels: ``Batch.of(images).labelled(labels)``."""
        return Unlabelled(images)

    def __len__(self) -> int:
        return int(self.labels.shape[0])


@dataclasses.dataclass(frozen=True)
class Unlabelled(Generic[B, *Rest]):
    """Images whose batch size ``B`` is fixed; :meth:`labelled` accepts only labels of that size."""

    images: np.ndarray[tuple[B, *Rest], FloatDType]  # type: ignore[type-var]

    def labelled(self, labels: np.ndarray[tuple[B], IntDType]) -> "Batch[tuple[B, *Rest]]":
        """The labelled batch; ShapeError if the sizes differ (and a mypy error when both are known)."""
        return Batch(self.images, labels)
