"""Small IDX datasets written by the library's own writer, for the data tests."""

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from verified_nn.data import DatasetSpec, write_idx

if TYPE_CHECKING:
    from verified_nn.training import TrainConfig

FILES = {
    "train-images": "train-images-idx3-ubyte.gz",
    "train-labels": "train-labels-idx1-ubyte.gz",
    "test-images": "t10k-images-idx3-ubyte.gz",
    "test-labels": "t10k-labels-idx1-ubyte.gz",
}
SIZES = {"train": 30, "test": 12}


def arrays(split: str, seed: int = 0) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    rng = np.random.default_rng(seed + (split == "test"))
    count = SIZES[split]
    images = rng.integers(0, 256, size=(count, 28, 28), dtype=np.uint8)
    labels = (np.arange(count) % 10).astype(np.uint8)
    return images, labels


def write_dataset(directory: Path) -> dict[str, bytes]:
    """Write the four files into ``directory``; return their bytes by file name."""
    directory.mkdir(parents=True, exist_ok=True)
    for split in SIZES:
        images, labels = arrays(split)
        write_idx(directory / FILES[f"{split}-images"], images)
        write_idx(directory / FILES[f"{split}-labels"], labels)
    return {name: (directory / name).read_bytes() for name in FILES.values()}


def spec_for(contents: dict[str, bytes], *, mirrors: tuple[str, ...] = ()) -> DatasetSpec:
    return DatasetSpec(
        name="tiny",
        files=FILES,
        sha256={name: hashlib.sha256(content).hexdigest() for name, content in contents.items()},
        class_names=tuple(f"class {i}" for i in range(10)),
        mirrors=mirrors,
        carriers=(),
    )


PER_CLASS = {"train": 40, "test": 10}


def write_synthetic(folder: Path) -> DatasetSpec:
    """A learnable stand-in for MNIST: each class lights up its own band of rows, plus noise."""
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    for split, per_class in PER_CLASS.items():
        labels = np.repeat(np.arange(10), per_class).astype(np.uint8)
        rng.shuffle(labels)
        images = rng.integers(0, 60, size=(len(labels), 28, 28)).astype(np.uint8)
        for index, label in enumerate(labels):
            images[index, 2 * label + 4 : 2 * label + 7, 4:24] = 230
        write_idx(folder / FILES[f"{split}-images"], images)
        write_idx(folder / FILES[f"{split}-labels"], labels)
    digests = {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in FILES.values()}
    return DatasetSpec(folder.name, FILES, digests, tuple(map(str, range(10))), (), ())


def use_synthetic_mnist(folder: Path, monkeypatch: Any) -> Path:
    """Make ``folder`` a CLI working directory in which "mnist" is the synthetic dataset; return it."""
    from verified_nn.data import DATASETS

    monkeypatch.setitem(DATASETS, "mnist", write_synthetic(folder / "data" / "synthetic"))
    monkeypatch.chdir(folder)
    monkeypatch.setenv("VERIFIED_NN_DATA_DIR", str(folder / "data"))
    return folder


def interrupt_in(epoch: int) -> Any:
    """A training callback that stops the run by force (KeyboardInterrupt, as Ctrl-C does) in ``epoch``."""
    from verified_nn.training import BatchEnd, Callback

    class Interrupt(Callback):
        def on_batch_end(self, step: BatchEnd) -> None:
            if step.epoch == epoch:
                raise KeyboardInterrupt

    return Interrupt()


def fast_training(epochs: int, *, train_eval: int, log_every: int | None = 10, validation: int = 100) -> list[str]:
    """``train`` options for a run on the synthetic dataset that takes a fraction of a second (without the
    dropout that small data gets by default: the synthetic set stands in for MNIST)."""
    options = ["--epochs", str(epochs), "--batch-size", "16", "--train-eval-size", str(train_eval), "--dropout", "0"]
    options += ["--validation-size", str(validation)]
    return options + (["--log-every", str(log_every)] if log_every is not None else [])


def fast_config(epochs: int) -> "TrainConfig":
    """The library's ``TrainConfig`` for such a run, on one fixed BLAS thread (runs compared bit for bit must
    not depend on what ``"auto"`` chooses)."""
    from verified_nn.training import TrainConfig

    return TrainConfig(
        epochs=epochs,
        batch_size=16,
        learning_rate=0.05,
        log_every=10,
        train_eval_size=400,
        validation_size=100,
        dropout=0.0,
        threads=1,
    )
