"""``verified-nn inspect MODEL`` and ``verified-nn evaluate MODEL``, for any saved architecture."""

import argparse
import json
from pathlib import Path

import numpy as np

from verified_nn.files import check_output
from verified_nn.network import parameter_count
from verified_nn.training import load_model, plot_confusion, pyplot, score

from ._data_options import data_notes, model_data
from ._options import add_dataset_options, class_column, dataset_files

_SHOWN = (
    "format",
    "dtype",
    "kind",
    "run",
    "epoch",
    "train_accuracy",
    "validation_accuracy",
    "test_accuracy",
    "certified_training",
    "validation_verified",
    "test_verified",
    "loss",
    "learning_rate",
    "dataset",
    "classes",
    "data_shape",
    "feature_names",
    "train_size",
    "test_size",
    "train_sha256",
    "test_sha256",
    "seed",
    "version",
    "time",
    "imported_from",
)


def add_parser(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    inspect = subparsers.add_parser(
        "inspect",
        help="print a model's architecture, metadata and a parameter summary",
        description="Print what a model file holds: its architecture, the metadata of the run that wrote it "
        "(epoch, accuracies, configuration), whether it can be resumed, and each parameter's shape and statistics. "
        "Reads the file only: no data is needed.",
    )
    inspect.add_argument("model", type=Path, help="a model file (.safetensors) written by train or import-torch")
    inspect.set_defaults(run=run_inspect)
    evaluate_parser = subparsers.add_parser(
        "evaluate",
        help="test accuracy, per class, and confusion matrix",
        description="Score a model file on the test set of its data: the built-in dataset it records (or "
        "--dataset), or your own (--data, split as in training when it has no test set; or --test-data): accuracy "
        "and mean loss, the accuracy of each class, and the confusion matrix.",
    )
    evaluate_parser.add_argument(
        "model", type=Path, help="a model file (.safetensors) written by train or import-torch"
    )
    evaluate_parser.add_argument(
        "--confusion-png", type=Path, default=None, help="also draw the matrix here (needs matplotlib)"
    )
    add_dataset_options(evaluate_parser, default=None, data=True)
    evaluate_parser.set_defaults(run=run_evaluate)


def printable(text: str) -> str:
    """``text`` with control and escape characters shown as escapes, so a file cannot drive the terminal."""
    return "".join(char if char.isprintable() else char.encode("unicode_escape").decode("ascii") for char in text)


def _shown(key: str, value: str) -> str:
    """A metadata value as ``inspect`` prints it: a table's column names as the first eight and the count."""
    if key != "feature_names":
        return value
    try:
        names = json.loads(value)
    except ValueError:
        return value
    if not isinstance(names, list) or len(names) <= 8:
        return value
    return ", ".join(json.dumps(name) for name in names[:8]) + f", ... ({len(names)} in all)"


def run_inspect(args: argparse.Namespace) -> int:
    saved = load_model(args.model)
    network = saved.network
    print(printable(str(args.model)))
    print(f"  {'architecture':<19} {network.describe()}")
    for key in _SHOWN:
        if saved.metadata.get(key):
            print(f"  {key:<19} {printable(_shown(key, saved.metadata[key]))}")
    if saved.optimizer is not None:
        print(f"  {'optimizer':<19} {json.dumps(saved.optimizer.config())}")
    print(f"  {'resumable':<19} {'yes (optimizer state saved)' if saved.resumable else 'no'}")
    print(f"  {'parameters':<19} {parameter_count(network)}")
    print(f"    {'name':<10} {'shape':<12} {'mean':>10} {'std':>10} {'min':>10} {'max':>10} {'norm':>10}")
    for name, block in zip(network.parameter_names(), network.parameters(), strict=True):
        shape = "x".join(str(size) for size in block.shape)
        print(
            f"    {name:<10} {shape:<12} {block.mean():10.4f} {block.std():10.4f} "
            f"{block.min():10.4f} {block.max():10.4f} {np.linalg.norm(block):10.4f}"
        )
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    inputs = [args.model, *dataset_files(args)]
    if args.confusion_png is not None:
        pyplot()  # before evaluating: a missing matplotlib is reported first, not after the whole table
        check_output(args.confusion_png, inputs=inputs, option="--confusion-png", kind="png")
    saved = load_model(args.model)
    test, record, origin, read_notes = model_data(args, args.model, saved)
    for note in [*read_notes, *data_notes(args, args.model, test, record, doing="evaluating")]:
        print(note)
    result = score(saved.network, test)
    print(f"{args.model} on {test.name} test ({len(test)} examples{origin})")
    print(f"  accuracy {result.accuracy:.2%} | mean loss {result.loss:.4f}")
    print("  per-class accuracy")
    for label, accuracy in enumerate(result.per_class_accuracy):
        shown = "      -  (no test examples)" if np.isnan(accuracy) else f"{accuracy:7.2%}"
        print(f"    {class_column(label, test.classes)} {shown}")
    print("  confusion matrix (rows: true class, columns: predicted)")
    width = max(6, len(str(result.confusion.max())) + 2)
    print("       " + "".join(f"{label:>{width}}" for label in range(len(test.classes))))
    for label, row in enumerate(result.confusion):
        print(f"    {label:>2} " + "".join(f"{count:>{width}}" for count in row))
    if args.confusion_png is not None:
        plot_confusion(result.confusion, test.classes, args.confusion_png, inputs=inputs, option="--confusion-png")
        print(f"  wrote {args.confusion_png}")
    return 0
