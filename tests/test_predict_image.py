"""Image files prepared as MNIST's digits were: inverted if light, cropped, 20 pixels, centred by mass."""

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from verified_nn.core import InvalidArgumentError, MissingExtraError, ShapeError
from verified_nn.predict import mnist_digit, read_digit, read_grayscale

Image = pytest.importorskip("PIL.Image")


def _canvas(height: int, width: int, *, background: int, ink: int) -> np.ndarray[Any, Any]:
    """An L-shaped stroke, off-centre, on a large canvas."""
    canvas = np.full((height, width), background, dtype=np.uint8)
    canvas[30:130, 200:220] = ink  # vertical bar, 100 x 20
    canvas[110:130, 200:260] = ink  # foot, 20 x 60
    return canvas


def _centre_of_mass(image: np.ndarray[Any, Any]) -> tuple[float, float]:
    weights = image.astype(np.float64)
    rows = (weights.sum(axis=1) * np.arange(28)).sum() / weights.sum()
    columns = (weights.sum(axis=0) * np.arange(28)).sum() / weights.sum()
    return float(rows), float(columns)


def _box(image: np.ndarray[Any, Any]) -> tuple[int, int]:
    rows, columns = np.nonzero(image)
    return int(rows.max() - rows.min() + 1), int(columns.max() - columns.min() + 1)


def test_a_stroke_anywhere_on_a_large_canvas_becomes_a_centred_20_pixel_digit() -> None:
    digit = mnist_digit(_canvas(300, 400, background=0, ink=200))
    assert digit.shape == (28, 28) and digit.dtype == np.uint8
    assert digit.max() == 255  # the ink is stretched to full scale
    assert _box(digit)[0] == 20 and 12 <= _box(digit)[1] <= 13  # 100 x 60 scaled by 1/5, anti-aliased edges
    rows, columns = _centre_of_mass(digit)
    assert abs(rows - 14) <= 0.5 and abs(columns - 14) <= 0.5
    assert digit[0].max() == digit[-1].max() == digit[:, 0].max() == digit[:, -1].max() == 0


def test_dark_ink_on_light_paper_gives_the_same_digit_as_light_ink_on_black() -> None:
    light_on_dark = mnist_digit(_canvas(300, 400, background=0, ink=255))
    dark_on_light = mnist_digit(_canvas(300, 400, background=255, ink=0))
    np.testing.assert_array_equal(dark_on_light, light_on_dark)


def test_a_grey_background_and_faint_noise_are_removed() -> None:
    rng = np.random.default_rng(0)
    noisy = _canvas(300, 400, background=180, ink=40).astype(np.int64) + rng.integers(-8, 9, size=(300, 400))
    digit = mnist_digit(np.clip(noisy, 0, 255).astype(np.uint8))
    clean = mnist_digit(_canvas(300, 400, background=255, ink=0))
    assert _box(digit) == _box(clean)
    assert np.abs(digit.astype(int) - clean.astype(int)).mean() < 3


def test_an_mnist_digit_is_nearly_unchanged_by_the_preparation() -> None:
    # A 28 x 28 digit already prepared this way (20-pixel box, centre of mass at (14, 14)) stays close to itself.
    digit = mnist_digit(_canvas(300, 400, background=0, ink=255))
    again = mnist_digit(digit)
    assert np.abs(again.astype(int) - digit.astype(int)).mean() < 2


def test_a_blank_image_and_bad_arrays_are_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="the image is blank"):
        mnist_digit(np.full((40, 40), 255, dtype=np.uint8))
    with pytest.raises(ShapeError, match=r"expected a grayscale image uint8\[height, width\], got uint8\[2,40,40\]"):
        mnist_digit(np.zeros((2, 40, 40), dtype=np.uint8))


def test_png_jpeg_and_transparent_files_are_read(tmp_path: Path) -> None:
    expected = mnist_digit(_canvas(300, 400, background=255, ink=0))
    gray = Image.fromarray(_canvas(300, 400, background=255, ink=0))
    gray.save(tmp_path / "d.png")
    gray.convert("RGB").save(tmp_path / "d.jpg", quality=90)
    alpha = np.where(_canvas(300, 400, background=0, ink=255) > 0, 255, 0).astype(np.uint8)
    transparent = Image.merge("RGBA", [Image.fromarray(np.zeros((300, 400), np.uint8))] * 3 + [Image.fromarray(alpha)])
    transparent.save(tmp_path / "t.png")  # black ink on a transparent background
    np.testing.assert_array_equal(read_digit(tmp_path / "d.png"), expected)
    assert np.abs(read_digit(tmp_path / "d.jpg").astype(int) - expected.astype(int)).mean() < 3
    np.testing.assert_array_equal(read_digit(tmp_path / "t.png"), expected)
    assert read_grayscale(tmp_path / "d.png").shape == (300, 400)


def test_a_file_that_is_not_an_image_is_named(tmp_path: Path) -> None:
    (tmp_path / "notes.png").write_text("not an image")
    with pytest.raises(InvalidArgumentError, match=r"notes\.png: not an image file Pillow can read"):
        read_digit(tmp_path / "notes.png")


def test_without_pillow_reading_an_image_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "PIL.Image", None)  # import PIL.Image now raises ImportError
    with pytest.raises(
        MissingExtraError, match=r"^reading PNG and JPEG files needs Pillow: pip install 'verified-nn\[images\]'$"
    ):
        read_digit(tmp_path / "d.png")
    with pytest.raises(ImportError):  # also an ImportError, as a missing module is
        read_digit(tmp_path / "d.png")
