"""``verified-nn inspect MODEL`` and ``verified-nn evaluate MODEL``."""

import argparse
from pathlib import Path

import numpy as np

from verified_nn.data import load
from verified_nn.network import BLOCK_NAMES, PARAMETER_COUNT, parameters
from verified_nn.training import evaluate, load_model, plot_confusion

from ._options import add_dataset_options

_SHOWN = (
    "architecture",
    "activation",
    "dtype",
    "kind",
    "run",
    "epoch",
    "train_accuracy",
    "test_accuracy",
    "loss",
    "learning_rate",
    "dataset",
    "train_size",
    "seed",
    "version",
    "time",
)


def add_parser(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    inspect = subparsers.add_parser("inspect", help="print a model's metadata and a parameter summary")
    inspect.add_argument("model", type=Path)
    inspect.set_defaults(run=run_inspect)
    evaluate_parser = subparsers.add_parser("evaluate", help="test accuracy, per class, and confusion matrix")
    evaluate_parser.add_argument("model", type=Path)
    evaluate_parser.add_argument("--confusion-png", type=Path, default=None, help="also draw the matrix here")
    add_dataset_options(evaluate_parser)
    evaluate_parser.set_defaults(run=run_evaluate)


def run_inspect(args: argparse.Namespace) -> int:
    saved = load_model(args.model)
    print(f"{args.model}")
    for key in _SHOWN:
        if key in saved.metadata:
            print(f"  {key:<15} {saved.metadata[key]}")
    print(f"  {'resumable':<15} {'yes (optimizer velocity saved)' if saved.velocity is not None else 'no'}")
    print(f"  parameters      {PARAMETER_COUNT}")
    print(f"    {'name':<4} {'shape':<12} {'mean':>10} {'std':>10} {'min':>10} {'max':>10} {'norm':>10}")
    for name, block in zip(BLOCK_NAMES, parameters(saved.mlp), strict=True):
        print(
            f"    {name:<4} {block.shape!s:<12} {block.mean():10.4f} {block.std():10.4f} "
            f"{block.min():10.4f} {block.max():10.4f} {np.linalg.norm(block):10.4f}"
        )
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    saved = load_model(args.model)
    test = load(args.dataset, "test", directory=args.data_dir, dtype=str(saved.mlp.dtype))
    result = evaluate(saved.mlp, test.images, test.labels)
    print(f"{args.model} on {test.name} test ({len(test)} images)")
    print(f"  accuracy {result.accuracy:.2%} | mean loss {result.loss:.4f}")
    print("  per-class accuracy")
    for label, accuracy in enumerate(result.per_class_accuracy):
        print(f"    {label} {test.class_names[label]:<12} {accuracy:7.2%}")
    print("  confusion matrix (rows: true class, columns: predicted)")
    print("       " + "".join(f"{label:>6}" for label in range(10)))
    for label, row in enumerate(result.confusion):
        print(f"    {label:>2} " + "".join(f"{count:>6}" for count in row))
    if args.confusion_png is not None:
        plot_confusion(result.confusion, test.class_names, args.confusion_png)
        print(f"  wrote {args.confusion_png}")
    return 0
