"""Option groups shared by several subcommands."""

import argparse

from verified_nn.data import DATA_DIR_VARIABLE, DATASETS, SPLITS


def add_dataset_options(parser: argparse.ArgumentParser, *, split: bool = False, default: str | None = "mnist") -> None:
    group = parser.add_argument_group("data")
    group.add_argument("--dataset", choices=sorted(DATASETS), default=default, help="which dataset (default mnist)")
    group.add_argument("--data-dir", default=None, help=f"data directory (default ${DATA_DIR_VARIABLE}, else ./data)")
    if split:
        group.add_argument("--split", choices=SPLITS, default="train", help="which split (default train)")
