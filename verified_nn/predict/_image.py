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

import io
import re
import warnings
from pathlib import Path
from typing import Any, Final, TypeAlias

import numpy as np
from jaxtyping import UInt8

from verified_nn.core import InvalidArgumentError, ShapeError, describe, require_extra
from verified_nn.data import DataError, png_cut_short, read_file
from verified_nn.files import IMAGE_PIXELS, INPUT_BYTES

FIELD: Final = 28  # side of the output image
BOX: Final = 20  # the longer side of the digit after scaling
CENTRE: Final = 14.0  # row and column of the centre of mass in the field (MNIST's training images: 14.0, 14.0)
INK_THRESHOLD: Final = 0.1  # after stretching, values below this fraction of full ink count as background

Gray: TypeAlias = UInt8[np.ndarray, "height width"]
Digit: TypeAlias = UInt8[np.ndarray, "28 28"]  # FIELD x FIELD


def _pillow() -> Any:
    return require_extra("PIL.Image", extra="images", purpose="reading PNG and JPEG files", package="Pillow")


def read_grayscale(path: str | Path) -> Gray:
    """The image file at ``path`` as a uint8 grayscale array ``(height, width)``.

    The file must be a regular file (a FIFO or device is refused at once) of at most
    $VERIFIED_NN_MAX_INPUT_BYTES, and its header must declare at most $VERIFIED_NN_MAX_IMAGE_PIXELS
    (16,777,216: 4096 x 4096), checked before anything is decoded. EXIF orientation is applied;
    transparency is composited over white (a transparent background reads as paper).
    InvalidArgumentError naming the file if it is refused or Pillow cannot read it.
    """
    image_module = _pillow()
    image_ops = require_extra("PIL.ImageOps", extra="images", purpose="reading PNG and JPEG files", package="Pillow")
    try:
        content = read_file(path, limit=INPUT_BYTES.value(), what="image file")
    except DataError as error:
        raise InvalidArgumentError(str(error)) from None
    try:
        with warnings.catch_warnings():  # Pillow's own warning comes far above the ceiling, checked below
            warnings.simplefilter("ignore", image_module.DecompressionBombWarning)
            opened = image_module.open(io.BytesIO(content))  # reads the header only
    except image_module.DecompressionBombError as error:  # over twice Pillow's limit (178,956,970 pixels)
        declared = re.search(r"\((\d+) pixels\)", str(error))
        count = int(declared.group(1)) if declared else 2 * image_module.MAX_IMAGE_PIXELS
        raise InvalidArgumentError(f"{path}: {IMAGE_PIXELS.over(count, 'the image declares')}") from None
    except image_module.UnidentifiedImageError:
        raise InvalidArgumentError(f"{path}: not an image file Pillow can read (PNG, JPEG, ...)") from None
    except Exception as error:  # a malformed header: Pillow raises OSError, ValueError, SyntaxError, ...
        raise InvalidArgumentError(f"{path}: a damaged image file Pillow cannot read ({_first(error)})") from None
    try:
        with opened:
            width, height = opened.size
            problem = IMAGE_PIXELS.over(width * height, f"the image ({width} x {height}) declares")
            if problem is not None:
                raise InvalidArgumentError(f"{path}: {problem}")
            with image_module.open(io.BytesIO(content)) as whole:  # every chunk to the end, none decoded: a
                whole.verify()  # PNG cut short after its pixels decodes, but the file is damaged all the same
            if png_cut_short(content):
                raise InvalidArgumentError(f"{path}: a damaged image file: the PNG is cut short of its end")
            image = image_ops.exif_transpose(opened)
            if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
                image = image.convert("RGBA")
                white = image_module.new("RGBA", image.size, (255, 255, 255, 255))
                image = image_module.alpha_composite(white, image)
            gray: Gray = np.asarray(image.convert("L"), dtype=np.uint8)
    except InvalidArgumentError:
        raise
    except Exception as error:  # a truncated or malformed file: Pillow raises OSError, ValueError, SyntaxError, ...
        raise InvalidArgumentError(f"{path}: a damaged image file Pillow cannot decode ({_first(error)})") from None
    return gray


def _first(error: BaseException) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0]


def _cropped_ink(gray: Gray) -> np.ndarray[Any, Any]:
    """Steps 2 to 4: light ink on black as float64 in [0, 255], cropped to the ink's bounding box.

    Each pixel's ink depends only on its level (0-255), so the levels' ink is computed once, as a table of
    256 floats, and the bounding box found on the uint8 image: only the crop is ever converted to floats,
    so memory follows the digit, not the file.
    """
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]]).astype(np.float64)
    background = float(np.median(border))
    pixels = gray
    if background > 127:
        pixels, background = 255 - gray, 255 - background  # uint8 stays uint8
    levels = np.clip(np.arange(256, dtype=np.float64) - background, 0, None)  # the ink of each level
    strongest = float(levels[int(pixels.max())])
    if strongest == 0:
        raise InvalidArgumentError("the image is blank: no pixel differs from the background")
    levels *= 255 / strongest
    levels[levels < INK_THRESHOLD * 255] = 0
    inked = (levels > 0)[pixels]  # bool, one byte per pixel
    rows, columns = np.flatnonzero(inked.any(axis=1)), np.flatnonzero(inked.any(axis=0))
    crop = pixels[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1]
    return levels[crop]


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


def mnist_digit(gray: Any) -> Digit:
    """A grayscale image ``(height, width)`` of any size prepared as MNIST's digits were: uint8 ``(28, 28)``.

    See the module's docstring for the six steps. InvalidArgumentError for a blank image; ShapeError
    for anything but a 2-d array of at least one pixel. Needs Pillow for the anti-aliased scaling.
    """
    array = np.asarray(gray)
    if array.ndim != 2 or 0 in array.shape or not (array.dtype == np.uint8 or array.dtype.kind == "f"):
        raise ShapeError(f"mnist_digit: expected a grayscale image uint8[height, width], got {describe(array)}")
    if array.dtype.kind == "f":
        array = np.clip(np.round(array * 255), 0, 255).astype(np.uint8)
    field = _centred(_scaled(_cropped_ink(array)))
    digit: Digit = np.round(field).astype(np.uint8)
    return digit


def read_digit(path: str | Path) -> Digit:
    """The image file at ``path`` (PNG, JPEG, within the ceilings) as an MNIST-style uint8 ``(28, 28)`` digit."""
    gray = read_grayscale(path)
    try:
        return mnist_digit(gray)
    except InvalidArgumentError as error:  # a blank image: say which file
        raise InvalidArgumentError(f"{path}: {error}") from None
