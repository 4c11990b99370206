"""``verified-nn predict MODEL FILE...``: the class of each example (image files, .npy arrays, or --data), its
probability and the top three."""

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from verified_nn.core import InvalidArgumentError, ShapeError
from verified_nn.files import IMAGES
from verified_nn.predict import Prediction, as_model_input, class_names, classify, read_inputs
from verified_nn.training import data_record, load_model, samples_per_pass

from ._data_options import check_data_arguments, read_labelled
from ._render import ascii_art

PASS = 1_000  # images per forward pass (fewer for a network whose samples make many values)


def add_parser(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    parser = subparsers.add_parser(
        "predict",
        help="classify image files (PNG, JPEG: needs Pillow), .npy arrays, or the examples of --data",
        description="Print each example's class, its probability and the most probable classes. Image files of "
        "any size are prepared as MNIST's digits were (docs/predict.md), for networks taking 28 x 28 images; .npy "
        "files hold one example of the network's input shape (flat, or as the training data had it) or a batch, "
        "uint8 0-255 or floats (in [0, 1] for images); --data reads labelled data as train does and also "
        "prints each true class and the accuracy.",
    )
    parser.add_argument("model", type=Path, help="a model file (models/NAME-best.safetensors)")
    parser.add_argument("files", type=Path, nargs="*", metavar="FILE", help="PNG, JPEG or .npy files")
    parser.add_argument("--top", type=int, default=3, help="how many classes to list per example (default 3)")
    parser.add_argument("--show", action="store_true", help="also draw each 28 x 28 image as the network sees it")
    data = parser.add_argument_group("data")
    data.add_argument("--data", nargs="+", type=Path, metavar="PATH", help="labelled examples, in any form train takes")
    data.add_argument("--label-column", metavar="NAME|INDEX", help="the CSV column of labels")
    parser.set_defaults(run=run, test_data=None, dataset=None)


def _label(label: int, names: tuple[str, ...]) -> str:
    """``7`` for a digit; ``9 Ankle boot`` where the class has a name of its own."""
    name = names[label]
    return name if name == str(label) else f"{label} {name}"


def run(args: argparse.Namespace) -> int:
    if args.top < 1:
        raise InvalidArgumentError(f"--top must be >= 1, got {args.top}")
    if not args.files and not args.data:
        raise InvalidArgumentError("give FILEs to classify, or --data PATH")
    check_data_arguments(args)
    saved = load_model(args.model)
    network = saved.network
    names = class_names(saved.metadata, network.classes)
    record = data_record(saved.metadata, network.classes)
    shape = network.input_shape() or (784,)
    also = [record.shape] if record.shape is not None else []
    pixels = record.value_range is None or (record.value_range[0] >= 0 and record.value_range[1] <= 1)
    inputs: list[tuple[str, np.ndarray[Any, Any]]] = []
    for path in args.files:  # every file read before any output
        inputs += read_inputs(path, shape=shape, also=also)
        _check_count(len(inputs), f"{path}: the files given so far hold")
    truth: list[int | None] = [None] * len(inputs)
    notes: list[str] = []
    if args.data:
        dataset, _, notes = read_labelled(args.data, args, names, usual=record.built_in)
        record.check_columns(dataset, source=str(args.model))
        _check_count(len(inputs) + len(dataset), f"{args.data[0]}: the files and data given hold")
        rows = dataset.take(slice(None), dtype=network.dtype)
        inputs += [(f"{args.data[0]}[{index}]", row) for index, row in enumerate(rows)]
        truth += [int(label) for label in dataset.labels]
    # Each example scaled on its own (uint8 images and float arrays may mix), all before any output; then
    # forward passes of a bounded size.
    step = samples_per_pass(network, PASS)
    scaled = [_scaled(name, x, network.dtype, shape, also, pixels) for name, x in inputs]
    batches = [np.concatenate(scaled[start : start + step]) for start in range(0, len(scaled), step)]
    for note in notes:
        print(note)
    predictions: list[Prediction] = []
    for index, batch in enumerate(batches):
        chunk = slice(index * step, (index + 1) * step)
        found = classify(network, batch, top=args.top, pixels=False)
        _report(inputs[chunk], batch, found, truth[chunk], names, show=args.show)
        predictions += found
    labelled = [(p.label, t) for p, t in zip(predictions, truth, strict=True) if t is not None]
    if labelled:
        right = sum(label == true for label, true in labelled)
        print(f"accuracy {right / len(labelled):.2%} ({right} of {len(labelled)} labelled examples)")
    return 0


def _check_count(count: int, where: str) -> None:
    problem = IMAGES.over(count, where)
    if problem is not None:
        raise InvalidArgumentError(problem)


def _report(
    chunk: list[tuple[str, np.ndarray[Any, Any]]],
    batch: np.ndarray[Any, Any],
    predictions: tuple[Prediction, ...],
    truth: list[int | None],
    names: tuple[str, ...],
    *,
    show: bool,
) -> None:
    for (name, _), row, prediction, true in zip(chunk, batch, predictions, truth, strict=True):
        ranked = ", ".join(f"{_label(label, names)} {p:.2%}" for label, p in prediction.top)
        known = "" if true is None else f" | true {_label(true, names)}"
        print(
            f"{name}: {_label(prediction.label, names)} ({prediction.probability:.2%}) | "
            f"top {len(prediction.top)}: {ranked}{known}"
        )
        if show and row.size == 784:
            print(ascii_art(np.round(row * 255).astype(np.uint8)))


def _scaled(
    name: str, example: np.ndarray[Any, Any], dtype: Any, shape: Any, also: Any, pixels: bool
) -> np.ndarray[Any, Any]:
    """``example`` as a batch of one, or the error naming the file it came from."""
    try:
        return as_model_input(example, dtype=dtype, shape=shape, also=also, pixels=pixels)
    except (InvalidArgumentError, ShapeError) as error:
        raise type(error)(f"{name}: {error}") from None
