"""The built-in datasets: MNIST and Fashion-MNIST splits, fetched on first use, as :class:`Dataset` values."""

import os
from pathlib import Path
from typing import Any, Final

import numpy as np

from verified_nn.core import INPUT_DIM, NUM_CLASSES, InvalidArgumentError

from ._dataset import Dataset
from ._errors import DataError
from ._fetch import Report, fetch, sha256_of, to_stderr
from ._foreign import refusal
from ._idx import read_images, read_labels
from ._sources import DATASETS, DatasetSpec

DATA_DIR_VARIABLE: Final = "VERIFIED_NN_DATA_DIR"
SPLITS: Final = ("train", "test")
IMAGE_DTYPES: Final = ("float32", "float64", "uint8")


def data_dir(option: str | Path | None = None) -> Path:
    """The data directory: ``option`` if given, else $VERIFIED_NN_DATA_DIR, else ./data."""
    if option is not None:
        return Path(option)
    return Path(os.environ.get(DATA_DIR_VARIABLE) or "data")


def spec_of(name: str) -> DatasetSpec:
    """The dataset called ``name``; InvalidArgumentError naming the known ones otherwise."""
    if name not in DATASETS:
        raise InvalidArgumentError(f"unknown dataset {name!r}; known: {', '.join(DATASETS)}")
    return DATASETS[name]


def _scaled(images: np.ndarray[Any, Any], dtype: str) -> np.ndarray[Any, Any]:
    if dtype == "uint8":
        return images
    out = np.empty(images.shape, dtype=dtype)
    np.multiply(images, np.asarray(1 / 255, dtype=dtype), out=out)  # one pass, no float64 temporary
    return out


def _verified(path: Path, spec: DatasetSpec, limit: int | None) -> Path:
    expected = spec.sha256.get(path.name)
    digest = sha256_of(path, limit=limit)  # DataError if missing, special (FIFO, device) or too large
    if expected is not None and digest != expected:
        raise refusal(spec, path.parent, path.name, digest)
    return path


def _subset(count: int, size: int | None, seed: int | None) -> np.ndarray[Any, Any] | slice:
    if size is None:
        return slice(None)
    if size < 1:
        raise InvalidArgumentError(f"size must be >= 1, got {size}")
    if size > count:
        raise InvalidArgumentError(f"size {size} exceeds the {count} samples of the split")
    if seed is None:
        return slice(0, size)
    return np.sort(np.random.default_rng(seed).choice(count, size=size, replace=False))


def load(
    name: str | DatasetSpec = "mnist",
    split: str = "train",
    *,
    directory: str | Path | None = None,
    size: int | None = None,
    seed: int | None = None,
    dtype: str = "float32",
    download: bool = True,
    report: Report = to_stderr,
    limit: int | None = None,
) -> Dataset:
    """Load one split of a built-in dataset as a :class:`Dataset` of ``(n, 784)`` rows, fetching and verifying
    the files first if they are not there.

    Args:
        name: "mnist" or "fashion-mnist" (or a :class:`DatasetSpec` of one's own).
        split: "train" or "test".
        directory: the data directory (see :func:`data_dir`); the files live in ``directory/name``.
        size: keep only this many samples: the first ``size``, or a random ``size`` when ``seed`` is set.
        seed: seed of the random subset (kept in the original order).
        dtype: "float32" or "float64" (pixels scaled to [0, 1]) or "uint8" (raw 0..255).
        download: fetch missing files; if False, a missing file is a DataError.
        report: where progress messages of a fetch go.
        limit: the most bytes one file may hold, compressed or decompressed (default
            :func:`data_limit`: $VERIFIED_NN_MAX_DATA_BYTES, else 1 GiB).

    Raises DataError naming the file and the problem for a missing, special, oversized, corrupt or
    inconsistent file, and InvalidArgumentError for a bad argument.
    """
    spec = name if isinstance(name, DatasetSpec) else spec_of(name)
    if split not in SPLITS:
        raise InvalidArgumentError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
    if dtype not in IMAGE_DTYPES:
        raise InvalidArgumentError(f"dtype must be one of {', '.join(IMAGE_DTYPES)}, got {dtype!r}")
    folder = data_dir(directory) / spec.name
    images_path = folder / spec.file(split, "images")
    labels_path = folder / spec.file(split, "labels")
    if download:
        fetch(spec, folder, report=report)  # verifies every file's checksum
    else:
        _verified(images_path, spec, limit)
        _verified(labels_path, spec, limit)
    images = read_images(images_path, limit=limit)
    labels = read_labels(labels_path, limit=limit)
    if images.shape[0] == 0:
        raise DataError(f"{images_path}: holds no images")
    if images.shape[1] != INPUT_DIM:
        raise DataError(f"{images_path}: images of {images.shape[1]} pixels, expected {INPUT_DIM} (28 x 28)")
    if images.shape[0] != labels.shape[0]:
        raise DataError(f"{labels_path}: {labels.shape[0]} labels for {images.shape[0]} images in {images_path.name}")
    if labels.size and labels.max() >= NUM_CLASSES:
        index = int(np.argmax(labels >= NUM_CLASSES))
        raise DataError(f"{labels_path}: label {labels[index]} at index {index} is outside [0, {NUM_CLASSES})")
    keep = _subset(len(labels), size, seed)
    return Dataset(
        _scaled(images[keep], dtype),
        labels[keep].astype(np.int64),
        classes=spec.class_names,
        name=spec.name,
        source=str(images_path),
        random_order=True,  # MNIST's files are in no particular order: the last rows make a fair validation set
    )
