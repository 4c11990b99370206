"""``verified-nn predict MODEL FILE...``: the class of each image (PNG, JPEG, .npy), its probability, the top three."""

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from verified_nn.core import InvalidArgumentError, ShapeError
from verified_nn.predict import as_model_input, class_names, classify, read_inputs
from verified_nn.training import load_model

from ._render import ascii_art


def add_parser(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser(
        "predict",
        help="classify image files (PNG, JPEG: needs Pillow) and .npy arrays",
        description="Print each image's class, its probability and the most probable classes. Image files of "
        "any size are prepared as MNIST's digits were (docs/predict.md); .npy files hold one image (784,) or "
        "(28, 28), or a batch (n, 784) or (n, 28, 28), uint8 0-255 or floats in [0, 1].",
    )
    parser.add_argument("model", type=Path, help="a model file (models/NAME-best.safetensors)")
    parser.add_argument("files", type=Path, nargs="+", metavar="FILE", help="PNG, JPEG or .npy files")
    parser.add_argument("--top", type=int, default=3, help="how many classes to list per image (default 3)")
    parser.add_argument("--show", action="store_true", help="also draw each image as the network sees it")
    parser.set_defaults(run=run)


def _label(label: int, names: tuple[str, ...]) -> str:
    """``7`` for a digit; ``9 Ankle boot`` where the class has a name of its own."""
    name = names[label]
    return name if name == str(label) else f"{label} {name}"


def _scaled(name: str, image: np.ndarray[Any, Any], dtype: Any) -> np.ndarray[Any, Any]:
    """``image`` as a batch of one, or the error naming the file it came from."""
    try:
        return as_model_input(image, dtype=dtype)
    except (InvalidArgumentError, ShapeError) as error:
        raise type(error)(f"{name}: {error}") from None


def run(args: argparse.Namespace) -> int:
    if args.top < 1:
        raise InvalidArgumentError(f"--top must be >= 1, got {args.top}")
    saved = load_model(args.model)
    network = saved.network
    names = class_names(saved.metadata, network.classes)
    inputs = [pair for path in args.files for pair in read_inputs(path)]  # every file read before any output
    # Each file scaled on its own (uint8 images and float arrays may mix), then one forward pass.
    batch = np.concatenate([_scaled(name, image, network.dtype) for name, image in inputs])
    predictions = classify(network, batch, top=args.top)
    for (name, _), pixels, prediction in zip(inputs, batch, predictions, strict=True):
        ranked = ", ".join(f"{_label(label, names)} {p:.2%}" for label, p in prediction.top)
        print(
            f"{name}: {_label(prediction.label, names)} ({prediction.probability:.2%}) | "
            f"top {len(prediction.top)}: {ranked}"
        )
        if args.show:
            print(ascii_art(np.round(pixels * 255).astype(np.uint8)))
    return 0
