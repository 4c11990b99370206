"""``verified-nn data fetch|check|distribution``: get the files, check them, count the classes."""

import argparse

import numpy as np

from verified_nn.core import InvalidArgumentError
from verified_nn.data import SPLITS, data_dir, fetch, file_status, load, read_data, spec_of

from ._data_options import check_data_arguments
from ._options import add_dataset_options, class_column

BALANCE_THRESHOLD = 1.5  # largest class / smallest class above this counts as imbalanced


def add_parser(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    data = subparsers.add_parser("data", help="fetch, check and describe the datasets")
    commands = data.add_subparsers(title="data commands", metavar="COMMAND", required=True)
    fetch_parser = commands.add_parser("fetch", help="download and verify a dataset's four files")
    add_dataset_options(fetch_parser)
    fetch_parser.set_defaults(run=run_fetch)
    check = commands.add_parser("check", help="load both splits and report counts, ranges, checksums")
    add_dataset_options(check)
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
    spec = spec_of(args.dataset)
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


def run_distribution(args: argparse.Namespace) -> int:
    check_data_arguments(args)
    if args.data:
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
