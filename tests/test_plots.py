"""--plot: loss and accuracy per epoch with the validation curves beside train and test, on integer epoch ticks."""

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from verified_nn.training import EpochRecord, _plots as plots, plot_confusion, plot_history

pytest.importorskip("matplotlib")


def _record(epoch: int, validation: float | None) -> EpochRecord:
    return EpochRecord(epoch, 0.1, 1 / epoch, 0.8, validation, 0.5 if validation else None, 0.7, 0.6, 1.0, 0.1)


def _figures(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    saved: list[Any] = []
    monkeypatch.setattr(plots, "save_figure", lambda figure, path, **_: saved.append(figure))
    return saved


def test_validation_is_drawn_beside_train_and_test_on_integer_epochs(monkeypatch: pytest.MonkeyPatch) -> None:
    saved = _figures(monkeypatch)
    plot_history([_record(epoch, 0.6 + epoch / 100) for epoch in (1, 2, 3)], Path("unused.png"))
    loss, accuracy = saved[0].axes
    assert [line.get_label() for line in loss.get_lines()] == ["train (mean over epoch)", "validation", "test"]
    assert [line.get_label() for line in accuracy.get_lines()] == ["train", "validation", "test"]
    ticks = accuracy.xaxis.get_major_locator()()
    assert all(float(tick).is_integer() for tick in ticks)
    np.testing.assert_allclose(accuracy.get_lines()[1].get_ydata(), [61, 62, 63])


def test_a_run_without_validation_draws_no_validation_curve(monkeypatch: pytest.MonkeyPatch) -> None:
    saved = _figures(monkeypatch)
    plot_history([_record(1, None), _record(2, None)], Path("unused.png"))
    assert [line.get_label() for line in saved[0].axes[1].get_lines()] == ["train", "test"]


def test_pngs_are_written_whole(tmp_path: Path) -> None:
    plot_history([_record(1, 0.6), _record(2, 0.7)], tmp_path / "curves.png")
    plot_confusion(np.array([[3, 1], [0, 4]]), ("a", "b"), tmp_path / "confusion.png")
    for name in ("curves.png", "confusion.png"):
        assert (tmp_path / name).read_bytes().startswith(b"\x89PNG")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["confusion.png", "curves.png"]  # no part files left
