"""Option groups shared by several subcommands."""

import argparse
from pathlib import Path

from verified_nn.core import InvalidArgumentError
from verified_nn.data import DATA_DIR_VARIABLE, DATASETS, SPLITS, DataError, data_dir, spec_of
from verified_nn.layers import activation_kinds

from ._data_options import add_data_options


def add_dataset_options(
    parser: argparse.ArgumentParser,
    *,
    split: bool = False,
    default: str | None = "mnist",
    data: bool = False,
    test_size: bool = True,
    shown: str | None = None,
) -> None:
    """--dataset and --data-dir (and --split); with ``data``, also --data, --test-data, --label-column and
    (with ``test_size``) --test-size: a user's own data (``_data_options.py``)."""
    group = parser.add_argument_group("data")
    shown = shown or default or "the model's, else mnist"
    group.add_argument(
        "--dataset", choices=sorted(DATASETS), default=default, help=f"a built-in dataset (default {shown})"
    )
    group.add_argument(
        "--data-dir", default=None, help=f"where built-in datasets live (default ${DATA_DIR_VARIABLE}, else ./data)"
    )
    if split:
        group.add_argument("--split", choices=SPLITS, default="train", help="which split (default train)")
    if data:
        add_data_options(group, test_size=test_size)


def seed(text: str) -> int:
    """A seed: a whole number >= 0 (argparse type; numpy refuses negative seeds without naming the option)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def dropout_rate(text: str) -> float:
    """A dropout rate in [0, 1) (argparse type)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a rate in [0, 1), got {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must lie in [0, 1), got {text!r}")
    return value


def widths(text: str) -> tuple[int, ...]:
    """``"256,64"`` -> ``(256, 64)``; ``""`` or ``"none"`` -> ``()`` (no hidden layer)."""
    if text.strip().lower() in ("", "none"):
        return ()
    try:
        values = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated widths such as 256,64, got {text!r}") from None
    if any(value < 1 for value in values):
        raise argparse.ArgumentTypeError(f"every width must be >= 1, got {text!r}")
    return values


def add_architecture_options(parser: argparse.ArgumentParser, *, defaults: str, conv: bool = False) -> None:
    """--hidden, --activation, --dropout: the MLP 784 -> hidden... -> 10 to build (and --conv, --kernel: a CNN)."""
    group = parser.add_argument_group(f"architecture ({defaults})")
    if conv:
        group.add_argument(
            "--conv",
            type=widths,
            metavar="C1,C2,...",
            help="convolution blocks in front of the dense layers, one per channel count, each a KxK convolution "
            "(padding K//2), the activation and 2x2 max pooling: 32,64 builds 784 -> 1x28x28 -> 32x14x14 -> "
            "64x7x7 -> flatten 3136 -> hidden... -> 10 (default: none, an MLP; the cnn preset: 32,32)",
        )
        group.add_argument(
            "--kernel", type=int, metavar="K", help="the convolutions' kernel size K (default 5; the cnn preset: 3)"
        )
    group.add_argument(
        "--hidden", type=widths, metavar="W1,W2,...", help="hidden layer widths, e.g. 256,64 (default 128)"
    )
    group.add_argument(
        "--activation",
        metavar="NAME",
        help=f"activation between dense layers: {', '.join(activation_kinds())} or leaky_relu(SLOPE) (default relu)",
    )
    group.add_argument(
        "--dropout",
        type=dropout_rate,
        metavar="RATE",
        help="dropout rate after each hidden activation (default 0; train: 0.2 for fewer than 12,000 examples)",
    )


def class_column(label: int, names: tuple[str, ...]) -> str:
    """``"9 Ankle boot   "``, or ``"7             "`` for a class whose name is its index (an MNIST digit):
    the class for a table's first column, 14 characters wide."""
    name = names[label]
    return f"{label:<14}" if name == str(label) else f"{label} {name:<12}"


def dataset_files(args: argparse.Namespace) -> list[Path]:
    """The files of the data the command reads (``--data``, ``--test-data``, or the built-in ``--dataset`` in
    ``--data-dir``): outputs must not replace them."""
    given = [*(getattr(args, "data", None) or []), *(getattr(args, "test_data", None) or [])]
    if given:
        return [Path(path) for path in given]
    try:
        spec = spec_of(args.dataset or "mnist")
        folder = data_dir(args.data_dir) / spec.name
    except (InvalidArgumentError, DataError):  # reported when the data is loaded
        return []
    return [folder / name for name in spec.sha256]
