"""``--data``, ``--test-data``, ``--label-column``, ``--test-size``: a user's own data on every command that reads data.

``--data PATH [LABELS]`` is an ``.npz``, a CSV table, a folder of class subfolders, or a pair of ``.npy`` or
IDX files; ``--test-data`` takes the same forms. The commands that score a model (evaluate, certify,
float-check, predict) read the model file's record of its data (:func:`verified_nn.training.data_record`):
the class names, so a CSV's named labels map to the same indices; the seed and test size, so data without
a test split is split as in training; the test set's hash, to say whether it is the test set of training.
"""

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from verified_nn.core import InvalidArgumentError
from verified_nn.data import Dataset, load, numbered, read_data, split
from verified_nn.training import DataRecord, SavedModel, TrainConfig, check_fits, data_record


def size_value(text: str) -> int | float:
    """``"1000"`` -> 1000 (a count), ``"0.25"`` -> 0.25 (a fraction) (argparse type)."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a count such as 1000 or a fraction such as 0.25, got {text!r}"
        ) from None
    return int(value) if value.is_integer() and value >= 1 else value


def add_data_options(group: Any, *, test_size: bool = True) -> None:
    """Add ``--data``, ``--test-data``, ``--label-column`` (and ``--test-size``) to an argument group."""
    group.add_argument(
        "--data",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="your own data instead of --dataset: an .npz (x, y or Keras' x_train, y_train, x_test, y_test), a CSV "
        "table, a folder of class subfolders of images, or two .npy or IDX files (inputs, labels)",
    )
    group.add_argument(
        "--test-data", nargs="+", type=Path, metavar="PATH", help="a separate test set, in the same forms as --data"
    )
    group.add_argument(
        "--label-column", metavar="NAME|INDEX", help="the CSV column of labels (default: one named label, target, ...)"
    )
    if test_size:
        group.add_argument(
            "--test-size",
            type=size_value,
            metavar="N|FRACTION",
            help="data without a test set: hold out N examples, or a fraction, stratified and seeded (default 0.25); "
            "a given test set: use its first N",
        )


def _label_column(args: argparse.Namespace) -> str | int | None:
    column: str | None = getattr(args, "label_column", None)
    return column


def read_labelled(
    paths: Sequence[Path], args: argparse.Namespace, classes: tuple[str, ...] | None, *, usual: bool = False
) -> tuple[Dataset, Dataset | None, list[str]]:
    """``paths`` read as ``--data`` reads them, with ``classes`` (a model's or a training set's) when given:
    ``(data, its own test part or None, notes)``. A note says when labels that are numbers were taken as the
    indices of classes that have names (a model of cats and dogs scored on a file labelled 0 and 1), unless
    numbers are the ``usual`` labels of such data (a model of a built-in dataset, whose files number them)."""
    options: dict[str, Any] = {} if classes is None else {"classes": classes}
    data, own_test = read_data(paths, label_column=_label_column(args), **options)
    notes: list[str] = []
    if classes is not None and data.numeric_labels and not numbered(classes) and not usual:
        shown = ", ".join(f"{index} = {name}" for index, name in enumerate(classes[:5]))
        notes.append(
            f"note: the labels of {paths[-1]} are numbers, taken as class indices: {shown}"
            f"{', ...' if len(classes) > 5 else ''}; label by name to match by name"
        )
    return data, own_test, notes


def check_data_arguments(args: argparse.Namespace) -> None:
    """Refuse combinations that cannot mean anything, before any file is read."""
    if getattr(args, "dataset", None) is not None and (args.data or args.test_data):
        raise InvalidArgumentError("--dataset names a built-in dataset; --data gives your own: use one of them")
    if getattr(args, "data_dir", None) is not None and (args.data or args.test_data):
        given = "--data" if args.data else "--test-data"
        raise InvalidArgumentError(
            f"--data-dir is where built-in datasets are kept; {given} reads your own files where they are: "
            "leave out --data-dir"
        )
    for option in ("data", "test_data"):
        paths = getattr(args, option)
        if paths is not None and len(paths) > 2:
            raise InvalidArgumentError(
                f"--{option.replace('_', '-')}: one path, or two (inputs, labels); got {len(paths)}"
            )
    if args.test_data and not args.data and getattr(args, "training", False):
        raise InvalidArgumentError("--test-data needs training data: --data PATH")


def training_data(args: argparse.Namespace) -> tuple[Dataset | None, Dataset | None, list[str]]:
    """``train``'s data and test set from ``--data`` and ``--test-data`` (None, None: a built-in dataset), and
    notes on how the test set's labels were matched to the training data's classes."""
    check_data_arguments(args)
    if not args.data:
        return None, None, []
    data, own_test, _ = read_labelled(args.data, args, None)
    if not args.test_data:
        return data, own_test, []
    test, _, notes = read_labelled(args.test_data, args, data.classes)
    return data, test, notes


def _recorded_split(saved: SavedModel, args: argparse.Namespace) -> tuple[int | float, int, str]:
    """The test size and seed that split data without a test set in training (``--test-size`` overrides), and
    where the size came from."""
    try:
        config = TrainConfig.from_json(saved.metadata.get("config", "{}"))
        size, seed = config.test_size, config.seed
    except (InvalidArgumentError, ValueError, TypeError):
        size, seed = None, 0
    given = getattr(args, "test_size", None)
    if given is not None:
        return given, seed, "from --test-size"
    return (size, seed, "as in training") if size is not None else (0.25, seed, "the default")


def model_data(
    args: argparse.Namespace, model: Path, saved: SavedModel, *, part: str = "test"
) -> tuple[Dataset, DataRecord, str, list[str]]:
    """The data a command scores a model on: ``part`` ("test" or "train") of ``--test-data``, ``--data``, the
    built-in ``--dataset``, or the built-in dataset the model records; checked to fit the model. The third item
    says, when ``--data`` had no test set of its own and was split, by what split (", held out of 240 by test size
    0.25, the default, seed 0"), else ``""``: the commands add it to the line that names the data. The fourth
    holds notes on how the labels were read (numbers taken as the indices of the model's named classes)."""
    check_data_arguments(args)
    network = saved.network
    record = data_record(saved.metadata, network.classes)
    origin = ""
    notes: list[str] = []
    if args.test_data and not args.data and part != "test":
        raise InvalidArgumentError(
            f"--split {part} reads the {part}ing part of --data; --test-data gives a test set only: give --data PATH"
        )
    if args.test_data and part == "test":
        data, _, notes = read_labelled(args.test_data, args, record.classes, usual=record.built_in)
    elif args.data:
        data, own_test, notes = read_labelled(args.data, args, record.classes, usual=record.built_in)
        if own_test is not None:
            data = own_test if part == "test" else data
        elif args.test_data:  # the training part: training with --test-data took all of --data
            origin = f", all of it: {args.test_data[0]} is the test set"
        else:
            size, seed, source = _recorded_split(saved, args)
            rest, held = split(data, size, seed=seed)
            data = held if part == "test" else rest
            total, rule = len(held) + len(rest), f"by test size {size:g}, {source}, seed {seed}"
            origin = (
                f", held out of {total:,} {rule}"
                if part == "test"
                else f", left of {total:,} after holding out {len(held):,} {rule}"
            )
    else:
        name = args.dataset or (record.name if record.built_in else None)
        if name is None and record.name:
            raise InvalidArgumentError(
                f"{model} was trained on {record.name}, not a built-in dataset: give its data with --data PATH "
                "(or --test-data PATH)"
            )
        data = load(name or "mnist", part, directory=args.data_dir, dtype=str(network.dtype), report=lambda _: None)
    check_fits(network, data, source=str(model))
    record.check_columns(data, source=str(model))
    return data, record, origin, notes


def data_notes(
    args: argparse.Namespace, model: Path, data: Dataset, record: DataRecord, *, doing: str, part: str = "test"
) -> list[str]:
    """Lines saying that the data is not what the model was trained or reported on (``doing``: "evaluating")."""
    notes = []
    if record.built_in and args.dataset is not None and args.dataset != record.name:
        notes.append(f"note: {model} was trained on {record.name}; {doing} it on {args.dataset} as asked")
    note = same_test_note(model, data, record) if part == "test" else None
    return notes if note is None else [*notes, note]


def same_test_note(model: Path, data: Dataset, record: DataRecord) -> str | None:
    """A line saying that ``data`` is not the test set the model was reported on, when the file records it."""
    if not record.test_sha256 or record.same_test(data):
        return None
    return f"note: this is not the test set {model} was reported on (its SHA-256 differs)"
