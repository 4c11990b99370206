"""PNG plots of a run (loss and accuracies per epoch, validation beside train and test) and of a confusion
matrix; needs matplotlib. Each PNG is drawn in memory and written like every other output
(:func:`verified_nn.files.write_output`)."""

import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from verified_nn.core import InvalidArgumentError
from verified_nn.files import write_output

from ._history import EpochRecord


def pyplot() -> Any:
    """matplotlib.pyplot on the file-only Agg backend; InvalidArgumentError saying how to install it."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise InvalidArgumentError("plots need matplotlib: pip install 'verified-nn[plots]'") from None
    return plt


def save_figure(figure: Any, path: Path, *, inputs: Iterable[str | Path] = (), option: str | None = None) -> None:
    """Write a matplotlib figure to ``path`` as PNG and close it.

    The PNG is drawn in memory and written by :func:`verified_nn.files.write_output` (creating missing
    directories): atomically, never through a symbolic link nor over one of ``inputs``.
    """
    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format="png", dpi=100)
    finally:
        pyplot().close(figure)
    write_output(path, buffer.getvalue(), inputs=inputs, option=option, parents=True)


def _curve(axis: Any, epochs: list[int], values: list[float | None], label: str, scale: float = 1.0) -> None:
    """One line, drawn only where the history has values (validation and test may be absent)."""
    points = [
        (epoch, value * scale)
        for epoch, value in zip(epochs, values, strict=True)
        if value is not None and value == value  # None or NaN: not measured
    ]
    if points:
        axis.plot(*zip(*points, strict=True), marker="o", label=label)


def plot_history(history: Sequence[EpochRecord], path: Path, *, option: str | None = None) -> None:
    """Training curves per epoch: the mean training loss beside the validation and test losses, and the
    train, validation and test accuracies; epochs on integer ticks."""
    plt = pyplot()
    from matplotlib.ticker import MaxNLocator

    epochs = [record.epoch for record in history]
    figure, (loss_axis, accuracy_axis) = plt.subplots(1, 2, figsize=(10, 4))
    _curve(loss_axis, epochs, [r.mean_loss for r in history], "train (mean over epoch)")
    _curve(loss_axis, epochs, [r.validation_loss for r in history], "validation")
    _curve(loss_axis, epochs, [r.test_loss for r in history], "test")
    loss_axis.set(xlabel="epoch", ylabel="cross-entropy", title="loss", yscale="log")
    _curve(accuracy_axis, epochs, [r.train_accuracy for r in history], "train", 100)
    _curve(accuracy_axis, epochs, [r.validation_accuracy for r in history], "validation", 100)
    _curve(accuracy_axis, epochs, [r.test_accuracy for r in history], "test", 100)
    accuracy_axis.set(xlabel="epoch", ylabel="accuracy (%)", title="accuracy")
    for axis in (loss_axis, accuracy_axis):
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.legend()
    figure.tight_layout()
    save_figure(figure, path, option=option)


def plot_confusion(
    confusion: np.ndarray[Any, Any],
    class_names: Sequence[str],
    path: Path,
    *,
    inputs: Iterable[str | Path] = (),
    option: str | None = None,
) -> None:
    """The confusion matrix (rows: true class, columns: predicted class) with counts in each cell."""
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(7, 6))
    image = axis.imshow(confusion, cmap="Blues")
    figure.colorbar(image, ax=axis)
    ticks = range(len(class_names))
    axis.set(xticks=ticks, yticks=ticks, xlabel="predicted", ylabel="true", title="confusion matrix")
    axis.set_xticklabels(class_names, rotation=45, ha="right")
    axis.set_yticklabels(class_names)
    threshold = confusion.max() / 2
    for (row, column), count in np.ndenumerate(confusion):
        color = "white" if count > threshold else "black"
        axis.text(column, row, str(count), ha="center", va="center", fontsize=7, color=color)
    figure.tight_layout()
    save_figure(figure, path, inputs=inputs, option=option)
