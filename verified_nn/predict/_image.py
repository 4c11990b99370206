"""Image files as MNIST digits: grayscale, light ink on black, cropped, scaled to 20 pixels, centred by mass.

MNIST's digits were prepared so: each written digit was scaled, keeping its aspect ratio, to fit a
20 x 20 box with anti-aliasing (hence grey levels), then placed in a 28 x 28 field so that its centre
of mass sits at the field's centre (pixel (14, 14) in row and column indices, measured on the training
set). A photo or a drawing of any size goes through the same steps here (``docs/predict.md``):

1. grayscale (after compositing any transparency over white);
2. invert if the background is light (the median of the border pixels above 127);
3. subtract the background level, stretch the ink to 0-255, and zero what is below 10% of it
   (paper texture, JPEG noise);
4. crop to the bounding box of the ink;
5. scale the longer side to 20 pixels keeping the aspect ratio, with anti-aliasing (Lanczos);
6. paste into a black 28 x 28 field so that the centre of mass lands on pixel (14, 14).

Reading files needs Pillow (the ``images`` extra); the steps after decoding are numpy.
"""

from pathlib import Path
from typing import Any, Final

import numpy as np

from verified_nn.core import InvalidArgumentError, ShapeError, describe, require_extra

FIELD: Final = 28  # side of the output image
BOX: Final = 20  # the longer side of the digit after scaling
CENTRE: Final = 14.0  # row and column of the centre of mass in the field (MNIST's training images: 14.0, 14.0)
INK_THRESHOLD: Final = 0.1  # after stretching, values below this fraction of full ink count as background

Gray = np.ndarray[tuple[int, int], np.dtype[np.uint8]]


def _pillow() -> Any:
    return require_extra("PIL.Image", extra="images", purpose="reading PNG and JPEG files", package="Pillow")


def read_grayscale(path: str | Path) -> Gray:
    """The image file at ``path`` as a uint8 grayscale array ``(height, width)``, any size.

    EXIF orientation is applied; transparency is composited over white (a transparent background
    reads as paper). InvalidArgumentError if Pillow cannot read the file.
    """
    image_module = _pillow()
    image_ops = require_extra("PIL.ImageOps", extra="images", purpose="reading PNG and JPEG files", package="Pillow")
    try:
        with image_module.open(path) as opened:
            image = image_ops.exif_transpose(opened)
            if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
                image = image.convert("RGBA")
                white = image_module.new("RGBA", image.size, (255, 255, 255, 255))
                image = image_module.alpha_composite(white, image)
            gray: Gray = np.asarray(image.convert("L"), dtype=np.uint8)
    except image_module.UnidentifiedImageError:
        raise InvalidArgumentError(f"{path}: not an image file Pillow can read (PNG, JPEG, ...)") from None
    return gray


def _ink(gray: Gray) -> np.ndarray[Any, Any]:
    """Steps 2 and 3: light ink on black as float64 in [0, 255]."""
    pixels = gray.astype(np.float64)
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    background = float(np.median(border))
    if background > 127:
        pixels, background = 255 - pixels, 255 - background
    ink = np.clip(pixels - background, 0, None)
    strongest = float(ink.max())
    if strongest == 0:
        raise InvalidArgumentError("the image is blank: no pixel differs from the background")
    ink *= 255 / strongest
    ink[ink < INK_THRESHOLD * 255] = 0
    return ink


def _scaled(crop: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Step 5: the longer side to BOX pixels, aspect ratio kept, Lanczos (anti-aliased when shrinking)."""
    image_module = _pillow()
    height, width = crop.shape
    factor = BOX / max(height, width)
    size = (max(1, round(width * factor)), max(1, round(height * factor)))  # Pillow takes (width, height)
    image = image_module.fromarray(crop.astype(np.float32))  # mode "F": 32-bit float pixels
    scaled = np.asarray(image.resize(size, image_module.Resampling.LANCZOS), dtype=np.float64)
    return np.clip(scaled, 0, 255)  # Lanczos can overshoot a little at sharp edges


def _centred(digit: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Step 6: ``digit`` pasted in a FIELD x FIELD black field with its centre of mass at (CENTRE, CENTRE)."""
    height, width = digit.shape
    total = digit.sum()
    rows = float((digit.sum(axis=1) * np.arange(height)).sum() / total)
    columns = float((digit.sum(axis=0) * np.arange(width)).sum() / total)
    top = min(max(round(CENTRE - rows), 0), FIELD - height)  # the box stays inside the field
    left = min(max(round(CENTRE - columns), 0), FIELD - width)
    field = np.zeros((FIELD, FIELD))
    field[top : top + height, left : left + width] = digit
    return field


def mnist_digit(gray: Any) -> np.ndarray[tuple[int, int], np.dtype[np.uint8]]:
    """A grayscale image ``(height, width)`` of any size prepared as MNIST's digits were: uint8 ``(28, 28)``.

    See the module's docstring for the six steps. InvalidArgumentError for a blank image; ShapeError
    for anything but a 2-d array of at least one pixel. Needs Pillow for the anti-aliased scaling.
    """
    array = np.asarray(gray)
    if array.ndim != 2 or 0 in array.shape or not (array.dtype == np.uint8 or array.dtype.kind == "f"):
        raise ShapeError(f"mnist_digit: expected a grayscale image uint8[height, width], got {describe(array)}")
    if array.dtype.kind == "f":
        array = np.clip(np.round(array * 255), 0, 255).astype(np.uint8)
    ink = _ink(array)
    rows, columns = np.nonzero(ink)
    crop = ink[rows.min() : rows.max() + 1, columns.min() : columns.max() + 1]  # step 4
    field = _centred(_scaled(crop))
    digit: np.ndarray[tuple[int, int], np.dtype[np.uint8]] = np.round(field).astype(np.uint8)
    return digit


def read_digit(path: str | Path) -> np.ndarray[tuple[int, int], np.dtype[np.uint8]]:
    """The image file at ``path`` (PNG, JPEG, any size) as an MNIST-style uint8 ``(28, 28)`` digit."""
    return mnist_digit(read_grayscale(path))
