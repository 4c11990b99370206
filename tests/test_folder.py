"""Image folders: one subfolder per class, grayscale or colour, sizes checked from headers, one-line errors."""

from pathlib import Path

import numpy as np
import pytest

from verified_nn.data import DataError, Dataset

Image = pytest.importorskip("PIL.Image")


def _folder(root: Path, mode: str = "L", size: tuple[int, int] = (6, 4)) -> Path:
    for label, name in enumerate(("cat", "dog")):
        (root / name).mkdir(parents=True)
        for index in range(3):
            value = 40 * index + 100 * label
            Image.new(mode, size, value if mode == "L" else (value, 0, 255 - value)).save(root / name / f"{index}.png")
    (root / "notes.txt").write_text("ignored: not in a class folder")
    return root


def test_grayscale_images_become_uint8_arrays_labelled_by_their_folder(tmp_path: Path) -> None:
    data = Dataset.from_image_folder(_folder(tmp_path / "pets"))
    assert data.name == "pets" and data.classes == ("cat", "dog") and data.labels.tolist() == [0, 0, 0, 1, 1, 1]
    assert data.shape == (4, 6) and data.inputs.dtype == np.uint8  # (height, width)
    assert data.take(np.array([4]), dtype=np.float64)[0, 0, 0] == pytest.approx(140 / 255)


def test_colour_images_are_channels_first(tmp_path: Path) -> None:
    data = Dataset.from_image_folder(_folder(tmp_path / "c", mode="RGB"))
    assert data.shape == (3, 4, 6) and np.asarray(data.inputs)[0, 2, 0, 0] == 255


def test_given_classes_keep_the_labels_of_a_folder_missing_one(tmp_path: Path) -> None:
    root = _folder(tmp_path / "t")
    for path in (root / "cat").iterdir():
        path.unlink()
    (root / "cat").rmdir()
    data = Dataset.from_image_folder(root, classes=["cat", "dog"])
    assert data.labels.tolist() == [1, 1, 1] and data.classes == ("cat", "dog")
    assert not data.numeric_labels  # labelled by name (scoring a model on it needs no note on numbers)
    with pytest.raises(DataError, match=r"t/dog: not one of the classes \(cat, emu\)$"):
        Dataset.from_image_folder(root, classes=["cat", "emu"])


def test_images_of_another_size_or_damaged_and_empty_folders_are_refused(tmp_path: Path) -> None:
    root = _folder(tmp_path / "r")
    Image.new("L", (5, 5)).save(root / "dog" / "odd.png")
    with pytest.raises(DataError, match=r"odd.png: 5x5 pixels, the first image 6x4$"):
        Dataset.from_image_folder(root)
    (root / "dog" / "odd.png").write_bytes(b"\x89PNG not really")
    with pytest.raises(DataError, match=r"odd.png: not an image file Pillow can read$"):
        Dataset.from_image_folder(root)
    whole = (root / "cat" / next(iter(sorted(p.name for p in (root / "cat").iterdir())))).read_bytes()
    for cut, message in ((6, "a damaged image file$"), (2, "a damaged image file: the PNG is cut short of its end$")):
        (root / "dog" / "odd.png").write_bytes(whole[:-cut])  # every pixel there, the closing chunk cut short
        with pytest.raises(DataError, match=rf"odd.png: {message}"):
            Dataset.from_image_folder(root)
    (tmp_path / "empty" / "cls").mkdir(parents=True)
    with pytest.raises(DataError, match=r"empty: no images in class subfolders"):
        Dataset.from_image_folder(tmp_path / "empty")
    (root / "dog" / "odd.png").unlink()
    (root / "emu").mkdir()
    (root / "emu" / "photo.heic").write_bytes(b"not a format read here")
    with pytest.raises(DataError, match=r"r/emu: a class folder with no images \(.png, .jpg, .*\): add its images or"):
        Dataset.from_image_folder(root)  # a class no example teaches, which a network would still predict
    assert Dataset.from_image_folder(root, classes=["cat", "dog", "emu"]).labels.tolist() == [0, 0, 0, 1, 1, 1]


def test_too_many_pixels_are_refused_from_the_header_before_decoding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _folder(tmp_path / "big", size=(600, 500))
    monkeypatch.setenv("VERIFIED_NN_MAX_DATA_BYTES", "1000000")
    with pytest.raises(DataError, match=r"big: 6 images of 600x500 pixels exceed the limit of 1,000,000 bytes"):
        Dataset.from_image_folder(root)
