"""``verified-nn render``: digits (or garments) as ASCII art with their labels, or a PNG grid."""

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from verified_nn.core import InvalidArgumentError
from verified_nn.data import load
from verified_nn.files import check_output
from verified_nn.training import pyplot, save_figure

from ._options import add_dataset_options, dataset_files

RAMP = " .:-=+*#%@"  # dark to bright on a dark terminal
MAX_PNG_SAMPLES = 200  # a 10-column grid; matplotlib takes minutes and gigabytes for thousands of panels


def add_parser(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser("render", help="draw samples as ASCII art (or a PNG grid) with labels")
    parser.add_argument("index", nargs="?", type=int, default=0, help="index of the first sample (default 0)")
    parser.add_argument("--count", type=int, default=1, help="how many consecutive samples (default 1)")
    parser.add_argument("--inverted", action="store_true", help="dark ink on a light background")
    parser.add_argument("--png", type=Path, default=None, help="write a labelled grid image here instead")
    add_dataset_options(parser, split=True)
    parser.set_defaults(run=run)


def ascii_art(image: np.ndarray[Any, Any], *, inverted: bool = False) -> str:
    """A 28 x 28 uint8 image as 28 lines of 28 characters, brighter pixels drawn denser."""
    ramp = RAMP[::-1] if inverted else RAMP
    levels = (image.reshape(28, 28).astype(np.int32) * len(ramp)) // 256
    return "\n".join("".join(ramp[level] for level in row) for row in levels)


def _png(path: Path, images: np.ndarray[Any, Any], titles: list[str], *, inverted: bool, inputs: list[Path]) -> None:
    plt = pyplot()
    columns = min(len(images), 10)
    rows = -(-len(images) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(1.2 * columns, 1.4 * rows), squeeze=False)
    for axis in axes.ravel():
        axis.axis("off")
    for axis, image, title in zip(axes.ravel(), images, titles, strict=False):
        axis.imshow(image.reshape(28, 28), cmap="gray_r" if inverted else "gray", vmin=0, vmax=255)
        axis.set_title(title, fontsize=8)
    figure.tight_layout()
    save_figure(figure, path, inputs=inputs, option="--png")


def _check_png_target(path: Path, count: int, inputs: list[Path]) -> None:
    """Refuse a --png run that would fail only after loading the data and drawing the grid."""
    if count > MAX_PNG_SAMPLES:
        raise InvalidArgumentError(f"--count must be at most {MAX_PNG_SAMPLES} with --png, got {count}")
    check_output(path, inputs=inputs, option="--png", kind="png")
    pyplot()  # says how to install matplotlib if it is missing


def run(args: argparse.Namespace) -> int:
    if args.count < 1:
        raise InvalidArgumentError(f"--count must be >= 1, got {args.count}")
    inputs = dataset_files(args)
    if args.png is not None:
        _check_png_target(args.png, args.count, inputs)
    dataset = load(args.dataset, args.split, directory=args.data_dir, dtype="uint8")
    if not 0 <= args.index < len(dataset) or args.index + args.count > len(dataset):
        raise InvalidArgumentError(
            f"samples {args.index}..{args.index + args.count - 1} are outside the {len(dataset)} "
            f"samples of {dataset.name} {args.split}"
        )
    chosen = range(args.index, args.index + args.count)
    titles = [f"#{i}: {dataset.classes[dataset.labels[i]]}" for i in chosen]
    if args.png is not None:
        chosen_images = dataset.inputs[args.index : args.index + args.count]
        _png(args.png, chosen_images, titles, inverted=args.inverted, inputs=inputs)
        print(f"wrote {args.png} ({args.count} samples of {dataset.name} {args.split})")
        return 0
    for i in chosen:
        label = int(dataset.labels[i])
        name = dataset.classes[label]
        named = "" if name == str(label) else f" ({name})"
        print(f"{dataset.name} {args.split} sample {i}: label {label}{named}")
        print(ascii_art(dataset.inputs[i], inverted=args.inverted))
    return 0
