"""``verified-nn data fetch|check|distribution``: get the files, check them, count the classes."""

import argparse

import numpy as np

from verified_nn.core import InvalidArgumentError
from verified_nn.data import SPLITS, data_dir, fetch, file_status, load, read_data, spec_of
from verified_nn.training import DEFAULT_TEST_FRACTION, TrainConfig, split_data

from ._data_options import check_data_arguments, read_labelled, training_data
from ._options import add_dataset_options, class_column

BALANCE_THRESHOLD = 1.5  # largest class / smallest class above this counts as imbalanced


def add_parser(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    data = subparsers.add_parser("data", help="fetch, check and describe the datasets")
    commands = data.add_subparsers(title="data commands", metavar="COMMAND", required=True)
    fetch_parser = commands.add_parser("fetch", help="download and verify a dataset's four files")
    add_dataset_options(fetch_parser)
    fetch_parser.set_defaults(run=run_fetch)
    check = commands.add_parser(
        "check",
        help="load both splits and report counts, ranges, checksums; or read your own data (--data) as train "
        "would and report the splits it would make",
    )
    add_dataset_options(check, data=True, default=None, shown="mnist")
    check.set_defaults(run=run_check)
    distribution = commands.add_parser(
        "distribution", help="class counts and percentages of a split, or of your own data (--data)"
    )
    add_dataset_options(distribution, split=True, data=True, test_size=False, default=None, shown="mnist")
    distribution.set_defaults(run=run_distribution)


def run_fetch(args: argparse.Namespace) -> int:
    spec = spec_of(args.dataset)
    folder = data_dir(args.data_dir) / spec.name
    paths = fetch(spec, folder)
    print(f"{spec.name}: all {len(paths)} files present in {folder} with verified SHA-256")
    return 0


def run_check(args: argparse.Namespace) -> int:
    check_data_arguments(args)
    if args.data or args.test_data:
        return _check_own(args)
    given = [f"--{name.replace('_', '-')}" for name in ("test_size", "label_column") if getattr(args, name) is not None]
    if given:
        raise InvalidArgumentError(
            f"data check: {' and '.join(given)} {'goes' if len(given) == 1 else 'go'} with --data (your own data); "
            "a built-in dataset's check reads both its splits whole and its files' checksums"
        )
    spec = spec_of(args.dataset or "mnist")
    folder = data_dir(args.data_dir) / spec.name
    splits = {split: load(spec, split, directory=args.data_dir) for split in SPLITS}
    print(f"{spec.name} in {folder}")
    for split, dataset in splits.items():
        images, labels = np.asarray(dataset.inputs), dataset.labels
        print(
            f"  {split:<5} {len(dataset):>6} samples  images {images.shape} {images.dtype}  "
            f"pixels in [{images.min():.1f}, {images.max():.1f}]  labels {labels.shape} in "
            f"[{labels.min()}, {labels.max()}]  first labels {' '.join(str(v) for v in labels[:10])}"
        )
    for name, state in file_status(spec, folder).items():
        print(f"  {name:<28} SHA-256 {state}")
    return 0


def _check_own(args: argparse.Namespace) -> int:
    """``data check --data``: the data read as ``train --data`` reads it, and the splits train would make with its
    defaults (and ``--test-size``), refused as train would refuse them before building its network."""
    if not args.data:
        raise InvalidArgumentError("--test-data needs training data: --data PATH (as train reads them together)")
    data, test, notes = training_data(args)
    assert data is not None  # --data was given
    for note in notes:
        print(note)
    config = TrainConfig() if args.test_size is None else TrainConfig(test_size=args.test_size)
    splits = split_data(config, data, test)
    low, high = data.value_range
    print(f"{data.describe()} | value range [{low:g}, {high:g}]")
    first = " (its first --test-size)" if args.test_size is not None else ""
    if args.test_data:
        source = f"from {' and '.join(map(str, args.test_data))}{first}"
    elif test is not None:
        source = f"the file's own test split{first}"
    else:
        size = DEFAULT_TEST_FRACTION if args.test_size is None else args.test_size
        source = f"held out by test size {size:g}, stratified, seed {config.seed}"
    parts = {
        "train": (splits.train, "trained on"),
        "validation": (splits.validation, "held out to choose the best epoch"),
        "test": (splits.test, source),
    }
    for name, (part, what) in parts.items():
        count = f"{_examples(len(part))}, {what}" if part is not None else "none"
        if part is None and name == "validation":
            count += " (train holds out a twelfth of its data, at most 5,000, when that makes at least 1,000)"
        print(f"  {name:<10}  {count}")
    settings = "its default settings and this --test-size" if args.test_size is not None else "its default settings"
    print(f"ok: train --data reads it and, with {settings}, splits it as above")
    return 0


def _examples(count: int) -> str:
    return f"{count:,} example{'' if count == 1 else 's'}"


def run_distribution(args: argparse.Namespace) -> int:
    check_data_arguments(args)
    if args.test_data and args.split != "test":
        raise InvalidArgumentError("--test-data is a test set: show it with --split test (--split train shows --data)")
    if args.test_data:
        if args.data:
            _, test, notes = training_data(args)  # labelled with --data's classes, as train reads them
        else:
            test, _, notes = read_labelled(args.test_data, args, None)
        for note in notes:
            print(note)
        assert test is not None  # --test-data was read
        print(f"{test.describe()} | value range [{test.value_range[0]:g}, {test.value_range[1]:g}]")
        dataset, title = test, f"{test.name} test"
    elif args.data:
        data, own_test = read_data(args.data, label_column=args.label_column)
        dataset, part = (own_test, "test") if args.split == "test" and own_test is not None else (data, "")
        if args.split == "test" and own_test is None:
            raise InvalidArgumentError(f"{args.data[0]}: has no test split of its own (--split train shows all of it)")
        print(f"{dataset.describe()} | value range [{dataset.value_range[0]:g}, {dataset.value_range[1]:g}]")
        title = f"{dataset.name}{' ' + part if part else ''}"
    else:
        dataset = load(args.dataset or "mnist", args.split, directory=args.data_dir)
        title = f"{dataset.name} {args.split}"
    counts = np.bincount(dataset.labels, minlength=len(dataset.classes))
    total = int(counts.sum())
    print(f"{title}: {total} samples")
    for label, count in enumerate(counts):
        share = count / total
        bar = "#" * round(share * 200)
        print(f"  {class_column(label, dataset.classes)} {count:>6}  {share:6.2%}  {bar}")
    empty = np.flatnonzero(counts == 0)
    if empty.size:  # no ratio to a class of no examples
        named = ", ".join(class_column(int(label), dataset.classes).strip() for label in empty[:10])
        more = f" and {empty.size - 10} more" if empty.size > 10 else ""
        verb = "has" if empty.size == 1 else "have"
        print(f"imbalanced: {empty.size} of {len(counts)} classes {verb} no examples ({named}{more})")
        return 0
    ratio = int(counts.max()) / int(counts.min())
    verdict = "balanced" if ratio <= BALANCE_THRESHOLD else "imbalanced"
    print(f"{verdict}: the largest class is {ratio:.2f}x the smallest (threshold {BALANCE_THRESHOLD}x)")
    return 0
