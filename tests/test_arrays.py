"""Arrays in files: .npz (x/y or Keras' names), a pair of .npy files (read on demand when large), a pair of IDX files."""

import zipfile
from pathlib import Path

import numpy as np
import pytest

from verified_nn.core import InvalidArgumentError
from verified_nn.data import DataError, Dataset, FileRows, write_idx

X = np.random.default_rng(1).random((20, 4, 4)).astype(np.float32)
Y = np.arange(20) % 4


def test_an_npz_of_x_and_y_is_one_dataset_named_after_the_file(tmp_path: Path) -> None:
    np.savez(tmp_path / "toy.npz", x=X, y=Y)
    data = Dataset.from_npz(tmp_path / "toy.npz")
    assert data.name == "toy" and data.shape == (4, 4) and data.labels.tolist() == Y.tolist()
    np.testing.assert_array_equal(data.inputs, X)
    with pytest.raises(DataError, match=r"toy.npz: holds x and y, no test split \(split it with a test size\)$"):
        Dataset.from_npz(tmp_path / "toy.npz", split="test")


def test_an_npz_with_keras_names_has_a_train_and_a_test_split(tmp_path: Path) -> None:
    np.savez_compressed(tmp_path / "k.npz", x_train=X[:15], y_train=Y[:15], x_test=X[15:], y_test=Y[15:])
    assert len(Dataset.from_npz(tmp_path / "k.npz")) == 15
    assert Dataset.from_npz(tmp_path / "k.npz", split="test").labels.tolist() == Y[15:].tolist()
    with pytest.raises(InvalidArgumentError, match="split must be train or test, got 'valid'"):
        Dataset.from_npz(tmp_path / "k.npz", split="valid")


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"images": X, "targets": Y}, r"holds images, targets; expected arrays x and y, or x_train, y_train, x_test"),
        ({"x_train": X, "y_train": Y}, r"holds x_train and y_train but not x_test and y_test$"),
        ({"x": X, "y": Y[:19]}, r"\(x, y\): 19 labels for 20 examples$"),
        ({"x": np.where(X > 0.99, np.nan, X), "y": Y}, r"\(x, y\): row \d+, value \(\d, \d\) is nan$"),
    ],
)
def test_a_malformed_npz_is_one_line_naming_it(tmp_path: Path, arrays: dict[str, np.ndarray], message: str) -> None:
    np.savez(tmp_path / "bad.npz", **arrays)  # type: ignore[arg-type]
    split = "test" if "x_train" in arrays else None
    with pytest.raises(DataError, match=f"^{tmp_path / 'bad.npz'}.*{message}"):
        Dataset.from_npz(tmp_path / "bad.npz", split=split)


def test_pickled_or_non_zip_npz_files_are_refused(tmp_path: Path) -> None:
    np.savez(tmp_path / "objects.npz", x=np.array([object(), object()], dtype=object), y=np.array([0, 1]))
    with pytest.raises(DataError, match=r"objects.npz: x is not a numeric array \(Object arrays cannot be loaded"):
        Dataset.from_npz(tmp_path / "objects.npz")
    (tmp_path / "text.npz").write_text("not a zip")
    with pytest.raises(DataError, match=r"text.npz: not an .npz file \(not a zip archive\)$"):
        Dataset.from_npz(tmp_path / "text.npz")


def test_an_npz_member_over_the_limit_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with zipfile.ZipFile(tmp_path / "big.npz", "w", compression=zipfile.ZIP_DEFLATED) as archive:
        np.save(tmp_path / "x.npy", np.zeros((1000, 100)))
        archive.write(tmp_path / "x.npy", "x.npy")
        np.save(tmp_path / "y.npy", np.zeros(1000, dtype=int))
        archive.write(tmp_path / "y.npy", "y.npy")
    monkeypatch.setenv("VERIFIED_NN_MAX_DATA_BYTES", "100000")
    with pytest.raises(DataError, match=r"big.npz: x holds 800,128 bytes, over the limit of 100,000 \(set VERIFIED_NN"):
        Dataset.from_npz(tmp_path / "big.npz")


def test_a_pair_of_npy_files_small_enough_is_read_whole_else_row_by_row(tmp_path: Path) -> None:
    np.save(tmp_path / "x.npy", X)
    np.save(tmp_path / "y.npy", Y.astype(np.uint8))
    whole = Dataset.from_npy(tmp_path / "x.npy", tmp_path / "y.npy")
    lazy = Dataset.from_npy(tmp_path / "x.npy", tmp_path / "y.npy", in_memory=False)
    assert isinstance(whole.inputs, np.ndarray) and isinstance(lazy.inputs, FileRows)
    assert whole.name == lazy.name == "x" and whole.sha256 == lazy.sha256
    np.testing.assert_array_equal(lazy.take(np.array([7, 2, 7]), dtype=np.float32), X[[7, 2, 7]])


def test_npy_labels_may_be_class_names_as_in_every_other_form(tmp_path: Path) -> None:
    np.save(tmp_path / "x.npy", X)
    names = np.array(["cat", "dog", "emu"])[Y % 3]
    np.save(tmp_path / "y.npy", names)  # <U3
    data = Dataset.from_npy(tmp_path / "x.npy", tmp_path / "y.npy")
    assert data.classes == ("cat", "dog", "emu")
    np.testing.assert_array_equal(data.labels, Y % 3)
    np.save(tmp_path / "b.npy", names.astype("S3"))  # bytes read as names too
    assert Dataset.from_npy(tmp_path / "x.npy", tmp_path / "b.npy").classes == ("cat", "dog", "emu")
    np.save(tmp_path / "o.npy", names.astype(object), allow_pickle=True)  # pickled objects: never loaded
    with pytest.raises(DataError, match=r"o.npy: holds object values, not numbers or strings$"):
        Dataset.from_npy(tmp_path / "x.npy", tmp_path / "o.npy")
    np.save(tmp_path / "xs.npy", names.reshape(20, 1))
    with pytest.raises(DataError, match=r"xs.npy: holds <U3 values, not numbers$"):  # inputs are numbers
        Dataset.from_npy(tmp_path / "xs.npy", tmp_path / "y.npy")


def test_npy_files_that_do_not_pair_up_are_refused(tmp_path: Path) -> None:
    np.save(tmp_path / "x.npy", X)
    np.save(tmp_path / "y.npy", Y[:5])
    with pytest.raises(DataError, match=r"y.npy: 5 labels for 20 examples$"):
        Dataset.from_npy(tmp_path / "x.npy", tmp_path / "y.npy")


def test_a_bad_label_is_blamed_on_the_labels_file_not_the_inputs(tmp_path: Path) -> None:
    # It named the inputs' file: "x.npy: row 4: label 14 is outside [0, 10)".
    labels = Y.copy()
    labels[4] = 14
    np.save(tmp_path / "x.npy", X)
    np.save(tmp_path / "y.npy", labels)
    with pytest.raises(DataError, match=r"/y.npy: row 4: label 14 is outside \[0, 10\), the classes$"):
        Dataset.from_npy(tmp_path / "x.npy", tmp_path / "y.npy", classes=10)
    write_idx(tmp_path / "x.idx", (X * 255).astype(np.uint8))
    write_idx(tmp_path / "y.idx", np.where(np.arange(20) == 7, 200, Y).astype(np.uint8))
    with pytest.raises(DataError, match=r"/y.idx: row 7: label 200 is outside \[0, 10\), the classes$"):
        Dataset.from_idx(tmp_path / "x.idx", tmp_path / "y.idx", classes=10)


def test_idx_files_of_any_shape_and_dtype(tmp_path: Path) -> None:
    write_idx(tmp_path / "mine" / "x.idx.gz", (X * 255).astype(np.uint8))
    write_idx(tmp_path / "mine" / "y.idx", Y.astype(np.uint8))
    data = Dataset.from_idx(tmp_path / "mine" / "x.idx.gz", tmp_path / "mine" / "y.idx")
    assert data.name == "mine" and data.shape == (4, 4) and data.inputs.dtype == np.uint8
    assert data.value_range[1] <= 1.0  # uint8 pixels are seen in [0, 1]
    write_idx(tmp_path / "f.idx", X.reshape(20, 16).astype(np.float64))
    assert Dataset.from_idx(tmp_path / "f.idx", tmp_path / "mine" / "y.idx").shape == (16,)
    with pytest.raises(DataError, match=r"y.idx: an IDX array of shape \(20,\); inputs need one row per example"):
        Dataset.from_idx(tmp_path / "mine" / "y.idx", tmp_path / "mine" / "y.idx")
    write_idx(tmp_path / "short.idx", Y[:3].astype(np.uint8))
    with pytest.raises(DataError, match=r"short.idx: 3 labels for the 20 examples of f.idx$"):
        Dataset.from_idx(tmp_path / "f.idx", tmp_path / "short.idx")
