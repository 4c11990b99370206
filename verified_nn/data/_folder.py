"""Reading a folder of images as a dataset: one subfolder per class, as torchvision's ``ImageFolder``.

``root/cat/1.png``, ``root/dog/7.jpg``, ...: the subfolders' names, sorted, are the classes. Every image
must have the same size; grayscale images give inputs ``(n, height, width)``, colour ones ``(n, 3, height,
width)`` (channels first, as ``Conv2D`` takes them), uint8 pixels (seen by networks in [0, 1]). Sizes are
read from each file's header before it is decoded, so a huge image is refused, not decoded. Needs Pillow.
"""

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np

from verified_nn.core import require_extra

from ._dataset import Dataset
from ._errors import DataError
from ._files import open_file
from ._limits import LIMIT_VARIABLE, data_limit
from ._png import png_cut_short

SUFFIXES: Final = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm", ".ppm")
GRAY_MODES: Final = ("1", "L", "LA", "I", "I;16", "F")


def _image_files(root: Path, classes: Sequence[str] | None) -> tuple[list[str], list[tuple[Path, int]]]:
    """The class names (sorted subfolders, or ``classes``) and every ``(image file, class index)``."""
    try:
        folders = sorted(entry.name for entry in os.scandir(root) if entry.is_dir() and not entry.name.startswith("."))
    except OSError as error:
        raise DataError(f"{root}: cannot be read as a folder ({error.strerror or error})") from None
    names = list(classes) if classes is not None else folders
    unknown = [folder for folder in folders if folder not in names]
    if unknown:
        raise DataError(f"{root / unknown[0]}: not one of the classes ({', '.join(names[:10])})")
    files = []
    empty = []
    for folder in folders:
        found = [
            (Path(entry.path), names.index(folder))
            for entry in sorted(os.scandir(root / folder), key=lambda entry: entry.name)
            if entry.name.lower().endswith(SUFFIXES) and entry.is_file()
        ]
        files += found
        empty += [] if found else [folder]
    if not files:
        raise DataError(f"{root}: no images in class subfolders ({root}/CLASS/IMAGE.png, ...)")
    if empty and classes is None:  # the folders name the classes: an empty one would be a class nothing teaches
        raise DataError(
            f"{root / empty[0]}: a class folder with no images ({', '.join(SUFFIXES)}): add its images or remove it"
        )
    return names, files


def read_image_folder(
    root: Path,
    *,
    color: bool | None = None,
    classes: int | Sequence[str] | None = None,
    name: str | None = None,
    **options: Any,
) -> Dataset:
    """The dataset of an image folder (see :meth:`Dataset.from_image_folder`); ``color`` None: RGB if any
    image is in colour, else grayscale; ``classes``: the class names in label order (default: the sorted
    subfolders), so that a test folder missing a class keeps the training folder's labels."""
    image_module = require_extra("PIL.Image", extra="images", purpose="reading a folder of images", package="Pillow")
    if isinstance(classes, int):
        raise DataError(f"{root}: an image folder's classes are its subfolders' names, not a count")
    names, files = _image_files(root, classes)
    limit = data_limit()
    opened: list[Any] = []
    size = None
    try:
        for path, _ in files:
            with open_file(path, limit=limit, what="image file") as handle:
                try:
                    image = image_module.open(handle)  # reads the header only
                except (image_module.UnidentifiedImageError, OSError, image_module.DecompressionBombError):
                    raise DataError(f"{path}: not an image file Pillow can read") from None
                if size is None:
                    size = image.size
                    if size[0] * size[1] * 3 * len(files) > limit:
                        raise DataError(
                            f"{root}: {len(files)} images of {size[0]}x{size[1]} pixels exceed the limit of "
                            f"{limit:,} bytes (set {LIMIT_VARIABLE} to raise it)"
                        )
                elif image.size != size:
                    raise DataError(
                        f"{path}: {image.size[0]}x{image.size[1]} pixels, the first image {size[0]}x{size[1]}"
                    )
                try:
                    image.load()
                    handle.seek(0)
                    with image_module.open(handle) as whole:  # every chunk to the end: a PNG cut short
                        whole.verify()  # after its pixels decodes, but is damaged all the same
                    handle.seek(0)
                    cut = png_cut_short(handle.read())
                except (OSError, ValueError, SyntaxError, image_module.DecompressionBombError):
                    raise DataError(f"{path}: a damaged image file") from None
                if cut:
                    raise DataError(f"{path}: a damaged image file: the PNG is cut short of its end")
            opened.append(image)
        rgb = color if color is not None else any(image.mode not in GRAY_MODES for image in opened)
        pixels = np.stack([np.asarray(image.convert("RGB" if rgb else "L"), dtype=np.uint8) for image in opened])
    finally:
        for image in opened:
            image.close()
    if rgb:
        pixels = np.ascontiguousarray(pixels.transpose(0, 3, 1, 2))  # (n, 3, height, width)
    labels = np.array([names[label] for _, label in files])  # by name: a folder's labels are its subfolders' names
    return Dataset(pixels, labels, classes=names, name=name or root.resolve().name, source=str(root), **options)
