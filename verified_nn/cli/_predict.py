"""``verified-nn predict MODEL FILE...``: the class of each image (PNG, JPEG, .npy), its probability, the top three."""

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from verified_nn.core import InvalidArgumentError, ShapeError
from verified_nn.files import IMAGES
from verified_nn.predict import Prediction, as_model_input, class_names, classify, read_inputs
from verified_nn.training import load_model, samples_per_pass

from ._render import ascii_art

PASS = 1_000  # images per forward pass (fewer for a network whose samples make many values)


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
    inputs: list[tuple[str, np.ndarray[Any, Any]]] = []
    for path in args.files:  # every file read before any output
        inputs += read_inputs(path)
        problem = IMAGES.over(len(inputs), f"{path}: the files given so far hold")
        if problem is not None:
            raise InvalidArgumentError(problem)
    # Each image scaled on its own (uint8 images and float arrays may mix), all before any output; then
    # forward passes of a bounded size.
    step = samples_per_pass(network, PASS)
    batches = [
        np.concatenate([_scaled(name, image, network.dtype) for name, image in inputs[start : start + step]])
        for start in range(0, len(inputs), step)
    ]
    for index, batch in enumerate(batches):
        chunk = inputs[index * step : (index + 1) * step]
        _report(chunk, batch, classify(network, batch, top=args.top), names, show=args.show)
    return 0


def _report(
    chunk: list[tuple[str, np.ndarray[Any, Any]]],
    batch: np.ndarray[Any, Any],
    predictions: tuple[Prediction, ...],
    names: tuple[str, ...],
    *,
    show: bool,
) -> None:
    for (name, _), pixels, prediction in zip(chunk, batch, predictions, strict=True):
        ranked = ", ".join(f"{_label(label, names)} {p:.2%}" for label, p in prediction.top)
        print(
            f"{name}: {_label(prediction.label, names)} ({prediction.probability:.2%}) | "
            f"top {len(prediction.top)}: {ranked}"
        )
        if show:
            print(ascii_art(np.round(pixels * 255).astype(np.uint8)))
