"""read_data: one path or a pair, whatever the format, told by the files' first bytes, never by their names."""

from pathlib import Path

import numpy as np
import pytest

from verified_nn.data import DataError, read_data, write_idx

X = np.random.default_rng(2).random((12, 3))
Y = np.arange(12) % 2


def test_each_form_is_recognised_by_its_content(tmp_path: Path) -> None:
    np.savez(tmp_path / "xy.data", x=X, y=Y)  # numpy adds .npz
    data, test = read_data([tmp_path / "xy.data.npz"])
    assert len(data) == 12 and test is None
    np.savez(tmp_path / "keras.npz", x_train=X[:8], y_train=Y[:8], x_test=X[8:], y_test=Y[8:])
    data, test = read_data([tmp_path / "keras.npz"])
    assert (len(data), test is not None and len(test)) == (8, 4)
    np.save(tmp_path / "x.npy", X)
    np.save(tmp_path / "y.npy", Y)
    assert len(read_data([tmp_path / "x.npy", tmp_path / "y.npy"])[0]) == 12
    write_idx(tmp_path / "x.idx", X)
    write_idx(tmp_path / "y.gz", Y.astype(np.uint8))  # any names
    assert read_data([tmp_path / "x.idx", tmp_path / "y.gz"])[0].shape == (3,)
    (tmp_path / "t.txt").write_text(
        "a,b,c,label\n" + "\n".join(f"{a},{b},{c},{y}" for (a, b, c), y in zip(X, Y, strict=True))
    )
    assert read_data([tmp_path / "t.txt"], label_column="label")[0].shape == (3,)


@pytest.mark.parametrize(
    ("paths", "message"),
    [
        (["x.npy"], r"x.npy: an .npy file holds one array: give the inputs and the labels files, in that order$"),
        (["x.idx"], r"x.idx: an IDX file holds one array: give the inputs and the labels files"),
        (["x.npy", "x.idx"], r"a pair must be two .npy files or two IDX files, got npy and idx$"),
        (["x.npy", "y.npy", "x.idx"], r"give one data path, or two \(inputs and labels\); got 3$"),
        (["absent.csv"], r"absent.csv: no such file$"),
    ],
)
def test_what_cannot_be_a_dataset_is_one_line(tmp_path: Path, paths: list[str], message: str) -> None:
    np.save(tmp_path / "x.npy", X)
    np.save(tmp_path / "y.npy", Y)
    write_idx(tmp_path / "x.idx", X)
    with pytest.raises(DataError, match=message):
        read_data([tmp_path / path for path in paths])


def test_a_label_column_is_only_for_tables(tmp_path: Path) -> None:
    np.savez(tmp_path / "d.npz", x=X, y=Y)
    with pytest.raises(DataError, match=r"d.npz: a label column is for CSV tables; this is npz data$"):
        read_data([tmp_path / "d.npz"], label_column="label")
