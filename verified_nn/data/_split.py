"""Splitting a dataset: a seeded, stratified part held out (a test set, a validation set), the rest kept in order.

Stratified means each class is held out in proportion to its share of the data (largest remainders
decide the rounding), so a small held-out set still has every class, as scikit-learn's
``train_test_split(..., stratify=y)`` does. Both parts keep the dataset's row order.
"""

import math
from typing import Any

import numpy as np

from verified_nn.core import InvalidArgumentError

from ._dataset import Dataset


def held_count(size: int | float, total: int, *, what: str) -> int:
    """How many of ``total`` examples ``size`` holds out: a fraction in (0, 1) (rounded up) or a count."""
    if isinstance(size, bool) or not isinstance(size, int | float | np.integer | np.floating):
        raise InvalidArgumentError(f"{what} must be a count or a fraction in (0, 1), got {size!r}")
    if isinstance(size, float | np.floating) and not float(size).is_integer():
        if not 0 < size < 1:
            raise InvalidArgumentError(f"{what} must be a count or a fraction in (0, 1), got {size}")
        count = math.ceil(size * total)
    else:
        count = int(size)
    if count < 1:
        raise InvalidArgumentError(f"{what} {size} holds out no examples")
    if count >= total:
        raise InvalidArgumentError(f"{what} {size} leaves no training examples out of {total}; lower it")
    return count


def stratified_indices(labels: np.ndarray[Any, Any], count: int, seed: int | list[int]) -> np.ndarray[Any, Any]:
    """``count`` row indices drawn from ``labels``' rows, each class in proportion to its share; sorted."""
    classes, sizes = np.unique(labels, return_counts=True)
    shares = sizes * count / len(labels)
    taken = np.floor(shares).astype(np.int64)
    remainders = shares - taken
    for position in np.argsort(-remainders, kind="stable")[: count - int(taken.sum())]:
        taken[position] += 1  # largest remainders first: the counts sum to exactly ``count``
    rng = np.random.default_rng(seed)
    chosen = [rng.permutation(np.flatnonzero(labels == label))[:k] for label, k in zip(classes, taken, strict=True)]
    return np.sort(np.concatenate(chosen))


def split(
    dataset: Dataset, size: int | float, *, seed: int, what: str = "test_size", stream: int = 2
) -> tuple[Dataset, Dataset]:
    """``(rest, held)``: ``size`` examples (a count, or a fraction) held out stratified by class, drawn by the
    random stream ``[seed, stream]`` (test sets use stream 2, validation sets 3, so the two draws differ)."""
    count = held_count(size, len(dataset), what=what)
    held = stratified_indices(dataset.labels, count, [seed, stream])
    keep = np.ones(len(dataset), dtype=bool)
    keep[held] = False
    return dataset.subset(np.flatnonzero(keep)), dataset.subset(held)


def holdout(dataset: Dataset, size: int, *, seed: int, what: str = "validation_size") -> tuple[Dataset, Dataset]:
    """``(rest, held)`` for validation: the last ``size`` examples when the rows are in random order
    (``dataset.random_order``: MNIST's files), else a stratified seeded draw (:func:`split`)."""
    if not dataset.random_order:
        return split(dataset, size, seed=seed, what=what, stream=3)
    count = held_count(size, len(dataset), what=what)
    return dataset.subset(slice(0, len(dataset) - count)), dataset.subset(slice(len(dataset) - count, None))
